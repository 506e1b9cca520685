// The node's HTTP server (node:http): bearer-token auth, the /v1/ admin API, /health, /metrics and the
// /raft/ peer endpoints of docs/http-api.md (the message stream is an upgraded connection, peer-stream.ts).
// Writes go to the core wherever they arrive; membership changes and transfers a follower receives are
// relayed to the leader.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as NetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import { request, type Dispatcher } from 'undici';
import { parseHostPort } from '../shared/address.js';
import { parseDuration } from '../shared/duration.js';
import type { ConfChange } from '../raft/types.js';
import { SNAPSHOT_CHUNK_BYTES, type ChunkHeaders } from './snapshot-stream.js';
import { CLUSTER_ID_HEADER, STREAM_PATH, STREAM_PROTOCOL, refuseStream, serveStream } from './peer-stream.js';
import { ApiError } from './api-error.js';
import type { Faults } from './faults.js';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from './kv.js';
import { METRICS_CONTENT_TYPE } from './metrics.js';
import {
  API_PATHS,
  type ApiErrorBody,
  type HealthAnswer as HealthBody,
  type SnapshotChunkAnswer,
  type KvValue,
  type MembersView,
  type MembershipChange,
  type MembershipChangeResult,
  type NodeStatus,
  type ProposeResult,
  type TransferResult,
} from '../shared/http-api.js';
import { errnoCode } from './errors.js';
import type { NodeTls } from './tls.js';
import { tlsFront } from './tls-listener.js';

const MAX_API_BODY = 2 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 5000;
const FORWARDED_HEADER = 'x-chronik-forwarded';

export type HealthAnswer = { ok: true; leader: number; term: number } | { ok: false; reason: string };

/** What the HTTP layer needs from the runtime. */
export interface NodeApi {
  status(): NodeStatus;
  members(): MembersView;
  health(): HealthAnswer;
  /** The Prometheus text of this node's registry (METRICS_CONTENT_TYPE). */
  metricsText(): Promise<string>;
  /** Accepts a message stream from a peer of this cluster; throws (ApiError or Error) to refuse it. */
  admitStream(from: number, fromAddr: string, clusterId: string): void;
  /** Checks the cluster ID a forwarded write carries; throws ApiError CLUSTER_ID_MISMATCH to refuse it. */
  admitForwarded(clusterId: string): void;
  /** This node's cluster ID ('' while a joining node has none), sent with the writes it forwards. */
  clusterId(): string;
  /** Decodes and steps a batch from a peer; throws on an undecodable body or another cluster's batch. */
  receiveMessages(body: Uint8Array): void;
  /** One chunk of a streamed snapshot (snapshot-stream.ts); answers the offset the sender continues at. */
  receiveSnapshotChunk(headers: ChunkHeaders, body: Uint8Array): SnapshotChunkAnswer & { status: 200 | 409 };
  /** 'self' when this node leads, else the leader's address; waits up to timeoutMs for a leader. */
  routeToLeader(timeoutMs: number): Promise<'self' | string>;
  propose(key: string, value: string, timeoutMs: number): Promise<ProposeResult>;
  read(key: string, stale: boolean, timeoutMs: number): Promise<KvValue>;
  changeMembership(change: ConfChange, timeoutMs: number): Promise<MembershipChangeResult>;
  transferLeader(id: number, timeoutMs: number): Promise<TransferResult>;
  /** Enriches an error with the current leader and voters. */
  decorate(error: ApiError): ApiError;
}

export interface HttpServerOptions {
  token?: string;
  /** Serve HTTPS (and, with a peer CA, require member certificates on /raft/). */
  tls?: NodeTls;
  api: NodeApi;
  onError: (err: Error) => void;
  /** Test-only: forwarded writes to some addresses fail as if refused (src/node/faults.ts). */
  faults?: Pick<Faults, 'dropsTrafficTo'>;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Compares fixed-length digests so the comparison time says nothing about the token. */
function tokenMatches(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  return match !== null && timingSafeEqual(digest(match[1] as string), expected);
}

/** Every JSON answer: the contract's shapes (src/shared/http-api.ts), or the snapshot chunk's position. */
type Answer = NodeStatus | MembersView | ProposeResult | KvValue | MembershipChangeResult | TransferResult | HealthBody | ApiErrorBody | SnapshotChunkAnswer;

function sendJson(res: ServerResponse, status: number, body: Answer): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** The sending peer, as the x-chronik-from* and x-chronik-cluster-id headers of a stream or snapshot chunk name it. */
function senderOf(req: IncomingMessage): { from: number; fromAddr: string; clusterId: string } {
  const header = (name: string): string | undefined => {
    const value = req.headers[name];
    return typeof value === 'string' ? value : undefined;
  };
  const from = Number(header('x-chronik-from') ?? '');
  if (!Number.isSafeInteger(from) || from < 1) throw new ApiError('BAD_REQUEST', 'missing or invalid x-chronik-from');
  return { from, fromAddr: header('x-chronik-from-addr') ?? '', clusterId: header(CLUSTER_ID_HEADER) ?? '' };
}

/** The sender and position of a snapshot chunk, from its headers and query; anything missing is a bad request. */

function chunkHeaders(req: IncomingMessage, url: URL): ChunkHeaders {
  const number = (text: string | null, name: string): number => {
    const value = Number(text ?? '');
    if (text === null || text === '' || !Number.isSafeInteger(value) || value < 0) {
      throw new ApiError('BAD_REQUEST', `snapshot chunk: missing or invalid ${name}`);
    }
    return value;
  };
  return {
    ...senderOf(req),
    term: number(url.searchParams.get('term'), 'term'),
    index: number(url.searchParams.get('index'), 'index'),
    snapshotTerm: number(url.searchParams.get('snapshotTerm'), 'snapshotTerm'),
    offset: number(url.searchParams.get('offset'), 'offset'),
    total: number(url.searchParams.get('total'), 'total'),
  };
}

/**
 * The request body, up to `limit` bytes. Plain 'data' and 'end' listeners rather than `for await` over the
 * request: an async iterator costs a promise and a generator resume per chunk, on every write.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) return Promise.reject(new ApiError('TOO_LARGE', `request body over ${limit} bytes`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: Error): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
      if (error !== undefined) reject(error);
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) settle(new ApiError('TOO_LARGE', `request body over ${limit} bytes`));
      else chunks.push(chunk);
    };
    const onEnd = (): void => settle();
    const onError = (err: Error): void => settle(err);
    // Closed before its end: the client went away mid-body.
    const onClose = (): void => settle(new Error('the request was aborted before its body ended'));
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

function parseJson(body: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ApiError('BAD_REQUEST', 'malformed JSON body');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ApiError('BAD_REQUEST', 'expected a JSON object');
  return value as Record<string, unknown>;
}

function timeoutOf(url: URL): number {
  const text = url.searchParams.get('timeout');
  if (text === null) return DEFAULT_TIMEOUT_MS;
  try {
    return parseDuration(text, 'timeout');
  } catch (err) {
    throw new ApiError('BAD_REQUEST', (err as Error).message);
  }
}

function validKey(key: unknown): string {
  if (typeof key !== 'string' || key === '') throw new ApiError('BAD_REQUEST', '"key" must be a non-empty string');
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) throw new ApiError('BAD_REQUEST', `key over ${MAX_KEY_BYTES} bytes`);
  return key;
}

function validId(id: unknown): number {
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new ApiError('BAD_REQUEST', '"id" must be a positive integer');
  return id;
}

function validAddr(addr: unknown): string {
  if (typeof addr !== 'string') throw new ApiError('BAD_REQUEST', '"addr" must be HOST:PORT');
  try {
    return parseHostPort(addr);
  } catch (err) {
    throw new ApiError('BAD_REQUEST', (err as Error).message);
  }
}

/** The contract's request body, which must also be the core's change (a compile error if they part). */
function parseChange(body: Record<string, unknown>): MembershipChange {
  const id = validId(body.id);
  switch (body.type) {
    case 'add-learner':
    case 'add-voter':
      return { type: body.type, id, addr: validAddr(body.addr) };
    case 'promote':
    case 'remove':
      return { type: body.type, id };
    default:
      throw new ApiError('BAD_REQUEST', '"type" must be add-learner, promote, add-voter or remove');
  }
}

export class HttpServer {
  readonly server: Server;
  /** What listens: the server itself, or with TLS the front that refuses plain HTTP (tls-listener.ts). */
  private readonly listener: NetServer;
  private readonly tokenDigest: Buffer | undefined;
  /** How this node reaches its peers (forwarded writes): like it is reached, with its peer pair under TLS. */
  private readonly scheme: 'http' | 'https';
  private readonly peerDispatcher: Dispatcher | undefined;
  private stopping = false;
  /** Upgraded peer streams: the server no longer tracks them, so close() must. */
  private readonly streams = new Set<Socket>();

  constructor(private readonly options: HttpServerOptions) {
    this.tokenDigest = options.token !== undefined ? digest(options.token) : undefined;
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, new ApiError('INTERNAL', 'internal error').toJSON());
        else res.destroy();
        options.onError(err as Error);
      });
    };
    const tls = options.tls;
    this.scheme = tls !== undefined ? 'https' : 'http';
    this.peerDispatcher = tls?.dispatcher();
    if (tls !== undefined) {
      const server = createHttpsServer({ ...tls.serverOptions(), keepAliveTimeout: 60_000 }, handler);
      tls.onReload(() => server.setSecureContext(tls.serverOptions()));
      // https.Server is an http.Server with a TLS layer under it; nothing here uses the difference.
      this.server = server as unknown as Server;
      this.listener = tlsFront(server);
    } else {
      this.server = createServer({ keepAliveTimeout: 60_000 }, handler);
      this.listener = this.server;
    }
    this.server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
  }

  /** A peer opens its message stream: checked like any request, then every frame is stepped as it arrives. */
  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://node');
    if (url.pathname !== STREAM_PATH || req.method !== 'GET' || req.headers.upgrade !== STREAM_PROTOCOL) {
      refuseStream(socket, 404, new ApiError('NOT_FOUND', `no upgrade to ${String(req.headers.upgrade)} at ${req.method} ${url.pathname}`).toJSON());
      return;
    }
    if (this.tokenDigest !== undefined && !tokenMatches(req.headers.authorization, this.tokenDigest)) {
      refuseStream(socket, 401, new ApiError('UNAUTHORIZED', 'unauthorized').toJSON());
      return;
    }
    const notPeer = this.notPeer(req);
    if (notPeer !== undefined) {
      refuseStream(socket, 403, { error: notPeer, code: 'FORBIDDEN' });
      return;
    }
    const api = this.options.api;
    try {
      if (this.stopping) throw new ApiError('UNAVAILABLE', 'the node is stopping');
      const { from, fromAddr, clusterId } = senderOf(req);
      api.admitStream(from, fromAddr, clusterId);
    } catch (err) {
      const error = err instanceof ApiError ? api.decorate(err) : new ApiError('BAD_REQUEST', (err as Error).message);
      refuseStream(socket, error.status, error.toJSON());
      return;
    }
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${STREAM_PROTOCOL}\r\n\r\n`);
    this.streams.add(socket);
    serveStream(socket, head, (frame) => api.receiveMessages(frame), () => this.streams.delete(socket));
  }

  /** Binds host (no brackets) and port; rejects with the listen error (EADDRINUSE, EACCES) so the caller can refuse to start. */
  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.listener.once('error', onError);
      this.listener.listen({ host, port }, () => {
        this.listener.off('error', onError);
        resolve();
      });
    });
  }

  /** Stops accepting; answers arriving during shutdown get 503 UNAVAILABLE. */
  async close(): Promise<void> {
    this.stopping = true;
    await new Promise<void>((resolve) => {
      this.listener.close(() => resolve());
      if (this.listener !== this.server) this.server.close();
      this.server.closeAllConnections();
      for (const socket of this.streams) socket.destroy();
    });
    await this.peerDispatcher?.destroy().catch(() => undefined);
    this.options.tls?.close();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://node');
    const path = url.pathname;
    if (path !== API_PATHS.health && this.tokenDigest !== undefined && !tokenMatches(req.headers.authorization, this.tokenDigest)) {
      req.resume();
      sendJson(res, 401, new ApiError('UNAUTHORIZED', 'unauthorized').toJSON());
      return;
    }
    const api = this.options.api;
    try {
      if (this.stopping) throw new ApiError('UNAVAILABLE', 'the node is stopping');
      if (path.startsWith('/raft/')) {
        const notPeer = this.notPeer(req);
        if (notPeer !== undefined) throw new ApiError('FORBIDDEN', notPeer);
      }
      if (path === '/raft/snapshot' && req.method === 'POST') {
        const headers = chunkHeaders(req, url);
        const body = await readBody(req, SNAPSHOT_CHUNK_BYTES);
        const answer = api.receiveSnapshotChunk(headers, body);
        sendJson(res, answer.status, { offset: answer.offset, done: answer.done });
        return;
      }
      if (path === API_PATHS.health && req.method === 'GET') {
        const health = api.health();
        if (health.ok) sendJson(res, 200, { health: 'ok', leader: health.leader, term: health.term });
        else sendJson(res, 503, { health: 'unhealthy', reason: health.reason });
        return;
      }
      if (path === API_PATHS.metrics && req.method === 'GET') {
        const text = await api.metricsText();
        res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE }).end(text);
        return;
      }
      await this.handleApi(req, res, url);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      req.resume();
      sendJson(res, err.status, api.decorate(err).toJSON());
    }
  }

  /** Why this connection may not carry member traffic (mutual TLS, tls.ts), or undefined. */
  private notPeer(req: IncomingMessage): string | undefined {
    const tls = this.options.tls;
    return tls === undefined ? undefined : tls.peerRefusal(req.socket as TLSSocket);
  }

  private async handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const api = this.options.api;
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === API_PATHS.status) return sendJson(res, 200, api.status());
    if (method === 'GET' && path === API_PATHS.members) return sendJson(res, 200, api.members());
    if (method === 'GET' && path.startsWith(API_PATHS.kv)) {
      let key: string;
      try {
        key = decodeURIComponent(path.slice(API_PATHS.kv.length));
      } catch {
        throw new ApiError('BAD_REQUEST', 'malformed URL-encoded key');
      }
      const stale = url.searchParams.get('stale') === 'true';
      return sendJson(res, 200, await api.read(validKey(key), stale, timeoutOf(url)));
    }
    if (method === 'POST' && path === API_PATHS.propose) {
      // Any member takes a write: a follower hands it to the leader inside Raft (NodeService.propose).
      const body = parseJson(await readBody(req, MAX_API_BODY));
      const key = validKey(body.key);
      if (typeof body.value !== 'string') throw new ApiError('BAD_REQUEST', '"value" must be a string');
      if (Buffer.byteLength(body.value) > MAX_VALUE_BYTES) throw new ApiError('TOO_LARGE', `value over ${MAX_VALUE_BYTES} bytes`);
      return sendJson(res, 200, await api.propose(key, body.value, timeoutOf(url)));
    }
    // Membership changes and leadership transfer are rare: they are relayed to the leader over HTTP.
    const writes: Record<string, (body: Record<string, unknown>, timeoutMs: number) => Promise<Answer>> = {
      [API_PATHS.members]: (body, timeoutMs) => api.changeMembership(parseChange(body), timeoutMs),
      [API_PATHS.transferLeader]: (body, timeoutMs) => api.transferLeader(validId(body.id), timeoutMs),
    };
    const write = method === 'POST' ? writes[path] : undefined;
    if (write === undefined) throw new ApiError('NOT_FOUND', `no endpoint ${method} ${path}`);

    const timeoutMs = timeoutOf(url);
    const deadline = Date.now() + timeoutMs;
    const raw = await readBody(req, MAX_API_BODY);
    const body = parseJson(raw);
    const forwarded = req.headers[FORWARDED_HEADER] !== undefined;
    if (forwarded) api.admitForwarded(String(req.headers[CLUSTER_ID_HEADER] ?? ''));
    const route = await api.routeToLeader(timeoutMs);
    if (route === 'self' || forwarded) {
      // A forwarded request that reaches a non-leader (leadership moved meanwhile) is not bounced again.
      return sendJson(res, 200, await write(body, Math.max(1, deadline - Date.now())));
    }
    await this.forward(res, route, path, raw, Math.max(1, deadline - Date.now()));
  }

  /** Relays a membership change or transfer to the leader and its answer back verbatim. */
  private async forward(res: ServerResponse, leaderAddr: string, path: string, body: Buffer, timeoutMs: number): Promise<void> {
    let answer: Awaited<ReturnType<typeof request>>;
    try {
      if (this.options.faults?.dropsTrafficTo(leaderAddr) === true) throw Object.assign(new Error('traffic dropped by CHRONIK_FAULT_FILE'), { code: 'ECONNREFUSED' });
      answer = await request(`${this.scheme}://${leaderAddr}${path}?timeout=${timeoutMs}ms`, {
        method: 'POST',
        ...(this.peerDispatcher !== undefined ? { dispatcher: this.peerDispatcher } : {}),
        headers: {
          'content-type': 'application/json',
          [FORWARDED_HEADER]: '1',
          [CLUSTER_ID_HEADER]: this.options.api.clusterId(),
          ...(this.options.token !== undefined ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        body,
        headersTimeout: timeoutMs + 1000,
        bodyTimeout: timeoutMs + 1000,
      });
    } catch (err) {
      // Refused or never connected: the leader did not get the request. Anything later (no answer in time,
      // connection lost) leaves the outcome unknown, which is what TIMEOUT says; a retry must not assume otherwise.
      const code = errnoCode(err);
      if (code === 'ECONNREFUSED' || code === 'UND_ERR_CONNECT_TIMEOUT') {
        throw new ApiError('NO_LEADER', `cannot reach the leader at ${leaderAddr}: ${(err as Error).message}`);
      }
      throw new ApiError('TIMEOUT', `no answer from the leader at ${leaderAddr} (${(err as Error).message}); the request may still commit`);
    }
    const text = await answer.body.text();
    res.writeHead(answer.statusCode, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }
}
