// Error mapping only: a plain node:http server answers with each documented error so the client's
// exit codes, messages and hints can be checked. Behaviour against real nodes is in test/e2e.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/client/admin-client.js';
import { toCliError } from '../../src/client/errors.js';
import { ApiError, HttpTransport, UnreachableError } from '../../src/client/http.js';
import { ChronikError, EXIT_FAILED, EXIT_USAGE } from '../../src/shared/errors.js';
import { freePort, listenInRange } from '../support/ports.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
const seenAuthorization: (string | undefined)[] = [];
let server: Server;
let port: number;
let endpoint: string;

const json = (status: number, body: unknown): Handler => (_req, res) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

beforeAll(async () => {
  server = createServer((req, res) => {
    seenAuthorization.push(req.headers.authorization);
    const handler = routes.get((req.url ?? '').split('?')[0] ?? '');
    if (handler) handler(req, res);
    else json(404, { error: 'no route', code: 'NOT_FOUND' })(req, res);
  });
  port = await listenInRange(server, 'client');
  endpoint = `127.0.0.1:${port}`;
  routes.set('/bad', json(400, { error: 'key is empty', code: 'BAD_REQUEST' }));
  routes.set('/large', json(413, { error: 'value over 1 MiB', code: 'TOO_LARGE' }));
  routes.set('/auth', json(401, { error: 'unauthorized', code: 'UNAUTHORIZED' }));
  routes.set('/busy', json(409, { error: 'another membership change has not been applied yet', code: 'CHANGE_IN_PROGRESS' }));
  routes.set('/late', json(504, { error: 'the request did not complete in time', code: 'TIMEOUT' }));
  routes.set('/html', (_req, res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<h1>not here</h1>');
  });
  routes.set('/moved', (_req, res) => {
    res.writeHead(307, { location: `http://${endpoint}/target?x=1` });
    res.end();
  });
  routes.set('/target', json(200, { ok: true }));
  routes.set('/silent', () => undefined);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function failure(path: string, timeoutMs = 2000, token?: string): Promise<unknown> {
  const transport = new HttpTransport();
  try {
    await transport.requestJson(endpoint, path, { timeoutMs, token });
  } catch (err) {
    return err;
  } finally {
    await transport.close();
  }
  throw new Error(`${path} did not fail`);
}

describe('HTTP error mapping', () => {
  it.each([
    ['/bad', EXIT_USAGE, /^key is empty$/],
    ['/large', EXIT_USAGE, /^value over 1 MiB$/],
    ['/busy', EXIT_FAILED, /another membership change/],
    ['/late', EXIT_FAILED, /did not complete in time/],
  ])('%s exits %d', async (path, exitCode, message) => {
    const err = toCliError(await failure(path)) as ChronikError;
    expect(err).toBeInstanceOf(ChronikError);
    expect(err.exitCode).toBe(exitCode);
    expect(err.message).toMatch(message);
  });

  it('names the node that refused the token, and never the token', async () => {
    const err = toCliError(await failure('/auth', 2000, 's3cret-token')) as ChronikError;
    expect(seenAuthorization).toContain('Bearer s3cret-token');
    expect(err.exitCode).toBe(EXIT_FAILED);
    expect(err.message).toBe(`${endpoint} refused the request: unauthorized`);
    expect(err.hint).toMatch(/CHRONIK_TOKEN or --token-file/);
    expect(`${err.message} ${err.hint}`).not.toContain('s3cret');
  });

  it('says when something that is not chronik answers', async () => {
    const err = await failure('/html');
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/answered HTTP 404 without chronik's error body; is it a chronik node\?/);
  });

  it('follows a redirect to the leader', async () => {
    const transport = new HttpTransport();
    await expect(transport.requestJson(endpoint, '/moved', { timeoutMs: 2000 })).resolves.toEqual({ ok: true });
    await transport.close();
  });

  it('bounds a node that never answers', async () => {
    const err = await failure('/silent', 200);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as UnreachableError).reason).toBe('no answer within 200ms');
  });

  it('names every endpoint tried when none answers', async () => {
    const closed = [await freePort('client'), await freePort('client')].map((p) => `127.0.0.1:${p}`);
    const client = new AdminClient({ endpoints: closed, timeoutMs: 300 });
    const err = await client.propose('k', 'v').catch((e: unknown) => e);
    await client.close();
    expect(err).toBeInstanceOf(ChronikError);
    expect((err as ChronikError).exitCode).toBe(EXIT_FAILED);
    expect((err as ChronikError).message).toBe(`no endpoint answered: ${closed[0]} (connection refused), ${closed[1]} (connection refused)`);
  });
});
