// Bad clients and peers against a real node with a token: unauthenticated, malformed and oversized requests
// on every endpoint get a 4xx with the documented code, and change nothing (same term, log, data).
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src/node/codec.js';
import { frameHeader, openStream } from '../../src/node/peer-stream.js';
import { killAll, removeDir, spawnChronik, tempDir } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { http, status } from './node-harness.js';

const root = tempDir('bad-requests');
const token = 'faults-test-token';
let addr: string;

interface Raw {
  status: number;
  body: Record<string, unknown>;
}

/** One request with full control of headers and body (the harness' http() always sends JSON). */
async function raw(method: string, path: string, options: { body?: string | Uint8Array; token?: string; contentType?: string } = {}): Promise<Raw> {
  const response = await fetch(`http://${addr}${path}`, {
    method,
    headers: {
      ...(options.contentType !== undefined ? { 'content-type': options.contentType } : {}),
      ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: options.body } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (e.g. /metrics)
  }
  return { status: response.status, body };
}

async function snapshot(): Promise<unknown> {
  const view = await status(addr, token);
  const kept = await http(addr, 'GET', '/v1/kv/kept', undefined, token);
  return { term: view.term, commit: view.commitIndex, last: view.lastIndex, voters: view.voters, learners: view.learners, leader: view.leader, kept: kept.body.value };
}

beforeAll(async () => {
  addr = `127.0.0.1:${await freePort('faults')}`;
  const tokenFile = join(root, 'token');
  writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
  const node = spawnChronik(['bootstrap', '--listen', addr, '--data-dir', join(root, 'node-1'), '--token-file', tokenFile]);
  await node.waitForLog(/became leader/);
  expect((await http(addr, 'POST', '/v1/propose', { key: 'kept', value: 'original' }, token)).status).toBe(200);
});

afterAll(async () => {
  await killAll();
  removeDir(root);
});

const json = 'application/json';
const endpoints: [string, string, string?][] = [
  ['GET', '/v1/status'],
  ['GET', '/v1/members'],
  ['GET', '/v1/kv/kept'],
  ['POST', '/v1/propose', JSON.stringify({ key: 'kept', value: 'overwritten' })],
  ['POST', '/v1/members', JSON.stringify({ type: 'add-learner', id: 9, addr: '127.0.0.1:40999' })],
  ['POST', '/v1/transfer-leader', JSON.stringify({ id: 1 })],
  ['POST', '/raft/snapshot?index=1&snapshotTerm=1&term=1&offset=0&total=1', 'x'],
  ['GET', '/metrics'],
];

describe('bad clients and peers', { timeout: 60_000 }, () => {
  it('answers 401 UNAUTHORIZED on every endpoint but /health without the right token, and changes nothing', async () => {
    const before = await snapshot();
    for (const [method, path, body] of endpoints) {
      for (const wrong of [undefined, 'wrong-token', `${token}x`, '']) {
        const answer = await raw(method, path, { ...(body !== undefined ? { body, contentType: json } : {}), ...(wrong !== undefined ? { token: wrong } : {}) });
        expect(answer.status, `${method} ${path} with token ${String(wrong)}`).toBe(401);
        expect(answer.body).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
      }
    }
    expect((await raw('GET', '/health')).status).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  it('answers malformed and oversized requests with a 4xx and the documented code, and changes nothing', async () => {
    const before = await snapshot();
    const longKey = 'k'.repeat(4097);
    const cases: [string, string, string | Uint8Array | undefined, number, string?][] = [
      ['POST', '/v1/propose', '{"key": "kept", "value": ', 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', '[1, 2]', 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', 'null', 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', JSON.stringify({ value: 'v' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', JSON.stringify({ key: '', value: 'v' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', JSON.stringify({ key: longKey, value: 'v' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', JSON.stringify({ key: 'kept', value: 7 }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose', JSON.stringify({ key: 'kept', value: 'x'.repeat(1024 * 1024 + 1) }), 413, 'TOO_LARGE'],
      ['POST', '/v1/propose', 'x'.repeat(3 * 1024 * 1024), 413, 'TOO_LARGE'],
      ['POST', '/v1/propose?timeout=banana', JSON.stringify({ key: 'kept', value: 'v' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/propose?timeout=-5s', JSON.stringify({ key: 'kept', value: 'v' }), 400, 'BAD_REQUEST'],
      ['GET', '/v1/kv/%E0%A4%A', undefined, 400, 'BAD_REQUEST'],
      ['GET', `/v1/kv/${longKey}`, undefined, 400, 'BAD_REQUEST'],
      ['GET', '/v1/kv/', undefined, 400, 'BAD_REQUEST'],
      ['GET', '/v1/kv/never-written', undefined, 404, 'NOT_FOUND'],
      ['POST', '/v1/members', JSON.stringify({ type: 'make-me-king', id: 2 }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/members', JSON.stringify({ type: 'add-voter', id: 2 }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/members', JSON.stringify({ type: 'add-voter', id: -2, addr: '127.0.0.1:40998' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/members', JSON.stringify({ type: 'add-voter', id: '2', addr: '127.0.0.1:40998' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/members', JSON.stringify({ type: 'add-voter', id: 2, addr: 'no port here' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/members', JSON.stringify({ type: 'remove', id: 1 }), 409, 'REJECTED'],
      ['POST', '/v1/members', '{', 400, 'BAD_REQUEST'],
      ['POST', '/v1/transfer-leader', JSON.stringify({ id: 'one' }), 400, 'BAD_REQUEST'],
      ['POST', '/v1/transfer-leader', JSON.stringify({ id: 99 }), 409, 'REJECTED'],
      ['POST', '/v1/transfer-leader', '', 400, 'BAD_REQUEST'],
      ['DELETE', '/v1/kv/kept', undefined, 404, 'NOT_FOUND'],
      ['PUT', '/v1/propose', JSON.stringify({ key: 'kept', value: 'v' }), 404, 'NOT_FOUND'],
      ['GET', '/v1/nothing-here', undefined, 404, 'NOT_FOUND'],
    ];
    for (const [method, path, body, expected, code] of cases) {
      const answer = await raw(method, path, { token, ...(body !== undefined ? { body, contentType: json } : {}) });
      const what = `${method} ${path.slice(0, 60)} ${typeof body === 'string' ? body.slice(0, 40) : `(${body?.length ?? 0} bytes)`}`;
      expect(answer.status, what).toBe(expected);
      if (code !== undefined) expect(answer.body.code, what).toBe(code);
      expect(typeof answer.body.error, what).toBe('string');
    }
    expect(await snapshot()).toEqual(before);
    // And it still works.
    expect((await http(addr, 'POST', '/v1/propose', { key: 'after', value: 'fine' }, token)).status).toBe(200);
    expect((await http(addr, 'GET', '/v1/kv/kept', undefined, token)).body.value).toBe('original');
  });

  it('answers a chunked body over the limit with 413, and shrugs off a client that leaves mid-body', async () => {
    const before = await snapshot();
    const [host, port] = addr.split(':') as [string, string];
    // No content-length: the node only learns the size as the chunks arrive.
    const oversized = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ host, port: Number(port), method: 'POST', path: '/v1/propose', headers: { authorization: `Bearer ${token}`, 'content-type': json } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      const piece = 'x'.repeat(256 * 1024);
      for (let i = 0; i < 12; i++) req.write(piece);
      req.end();
    });
    expect(oversized.status).toBe(413);
    expect(JSON.parse(oversized.body)).toMatchObject({ code: 'TOO_LARGE' });
    // Half a body, then the connection is gone.
    await new Promise<void>((resolve) => {
      const req = request({ host, port: Number(port), method: 'POST', path: '/v1/propose', headers: { authorization: `Bearer ${token}`, 'content-type': json, 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"key": "half", "value": "');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 100);
    });
    expect(await snapshot()).toEqual(before);
    expect((await http(addr, 'POST', '/v1/propose', { key: 'after-chunks', value: 'fine' }, token)).status).toBe(200);
  });

  it('refuses peer streams without the token, the headers or the cluster, and ends one on a bad frame', async () => {
    const before = await snapshot();
    const own = (await http(addr, 'GET', '/v1/status', undefined, token)).body.clusterId as string;
    expect(own).toMatch(/^[0-9a-f]{16}$/);
    const peer = { 'x-chronik-from': '2', 'x-chronik-from-addr': '127.0.0.1:40997', 'x-chronik-cluster-id': own };
    const refusals: [Record<string, string>, RegExp][] = [
      [peer, /unauthorized/],
      [{ ...peer, authorization: 'Bearer wrong-token' }, /unauthorized/],
      [{ authorization: `Bearer ${token}` }, /^HTTP 400: .*x-chronik-from/],
      [{ ...peer, 'x-chronik-from': 'two', authorization: `Bearer ${token}` }, /^HTTP 400: /],
      [{ ...peer, 'x-chronik-cluster-id': 'ffffffffffffffff', authorization: `Bearer ${token}` }, /^HTTP 409: cluster ID mismatch: .*ffffffffffffffff/],
      [{ ...peer, 'x-chronik-cluster-id': '', authorization: `Bearer ${token}` }, /^HTTP 409: cluster ID mismatch: node 2 is in cluster \(none\)/],
    ];
    for (const [headers, reason] of refusals) {
      await expect(openStream(addr, headers, 5000), JSON.stringify(headers)).rejects.toThrow(reason);
    }

    const authorized = { ...peer, authorization: `Bearer ${token}` };
    /** Opens a stream, writes the bytes, and returns every line the node sends back until it closes or 1.5 s pass. */
    const answerTo = async (bytes: Uint8Array): Promise<string> => {
      const { socket } = await openStream(addr, authorized, 5000);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (part: string) => (text += part));
      socket.write(bytes);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1500);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      socket.destroy();
      return text;
    };
    const frame = (body: Uint8Array): Buffer => Buffer.concat([frameHeader(body.length), body]);
    const empty = encodeBatch({ from: 2, fromAddr: '127.0.0.1:40997', clusterId: own, messages: [] });
    expect(await answerTo(frame(empty))).toBe('ok\n');
    const bad: [string, Uint8Array, RegExp][] = [
      ['garbage', frame(new Uint8Array([0xff, 0xfe, 0x00, 0x13, 0x37, 0x42])), /^error .*version/],
      ['empty frame', frame(new Uint8Array(0)), /^error /],
      ['truncated batch', frame(empty.subarray(0, 5)), /^error /],
      ['another cluster', frame(encodeBatch({ from: 2, fromAddr: '127.0.0.1:40997', clusterId: 'ffffffffffffffff', messages: [] })), /^error cluster ID mismatch.*ffffffffffffffff/],
      ['oversized length', Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0]), /^error .*limit/],
    ];
    for (const [what, bytes, reason] of bad) expect(await answerTo(bytes), what).toMatch(reason);
    expect(await snapshot()).toEqual(before);
  });
});
