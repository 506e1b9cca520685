// Peer transport: per-peer bounded queues drained into one long-lived stream per peer (peer-stream.ts);
// snapshots go beside it over an undici Pool. send() never waits, so a slow, hung or dead peer can never
// stall the tick loop; Raft retransmits whatever is dropped.
import type { Socket } from 'node:net';
import { Pool } from 'undici';
import type { Message, NodeId } from '../raft/types.js';
import { encodeBatch } from './codec.js';
import { frameHeader, openStream } from './peer-stream.js';
import { sendSnapshot } from './snapshot-stream.js';
import type { Faults } from './faults.js';
import type { Logger } from './logger.js';
import type { NodeMetrics } from './metrics.js';
import { formatDuration } from '../shared/duration.js';
import { errnoCode } from './errors.js';
import type { NodeTls } from './tls.js';
import { CLUSTER_ID_HEADER } from './peer-stream.js';

export interface TransportOptions {
  selfId: NodeId;
  selfAddr: string;
  /** This node's cluster ID, read at every send: a joining node has none ('') until it adopts its leader's. */
  clusterId: () => string;
  token?: string;
  /** Peers are reached over HTTPS presenting the peer pair (a TLS node's peers serve TLS too). */
  tls?: NodeTls;
  logger: Logger;
  metrics: NodeMetrics;
  /** Messages queued per peer before the oldest are dropped. */
  maxQueue?: number;
  /** Bound on opening a stream and on the peer acknowledging frames; a peer that takes longer is treated as unreachable. */
  requestTimeoutMs?: number;
  /** Pause before retrying an unreachable peer, so a dead peer costs a connect attempt per interval, not per message. */
  retryDelayMs?: number;
  /**
   * The peer's process is gone: its end closed our stream (end-of-stream or reset) and the reconnect
   * made at once was refused, or a connect was refused outright. Never called for a timeout, a refusal
   * by a live peer (HTTP error), or a fault-file partition: a silent or slow peer is not a dead one.
   */
  onConnectionLost?: (peer: NodeId) => void;
  /** A snapshot transfer failed: the leader must stop waiting for that follower to install it. */
  onSnapshotFailed?: (to: NodeId) => void;
  /** Where snapshot.bin lives: snapshots are streamed from the file, not sent inside a batch. */
  dataDir: string;
  /** Test-only: traffic to some peers dropped or delayed (src/node/faults.ts). */
  faults?: Faults;
}

const UNREACHABLE_LOG_INTERVAL_MS = 10_000;
const MAX_MESSAGES_PER_BATCH = 512;
/** A batch stops growing past this many payload bytes, so one request stays quick even during catch-up. */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

/** Payload bytes a message carries (entry data, snapshot data); headers are small enough to ignore. */
function payloadBytes(message: Message): number {
  if (message.type === 'append') return message.entries.reduce((sum, entry) => sum + (entry.type === 'normal' ? entry.data.length : 64), 0);
  return 0;
}

/** The sending end of one peer stream; `blocked` while the socket's buffer is full. */
interface OpenStream {
  socket: Socket;
  blocked: boolean;
  /** Text the peer sent back (ack lines, a refusal) not yet split into lines. */
  answer: string;
  /** Why the peer ended the stream, from its `error` line. */
  refusal?: string;
}

class PeerLink {
  private queue: Message[] = [];
  private stream: OpenStream | undefined;
  private connecting = false;
  /** Armed when a frame goes out with none outstanding; an acknowledgement disarms it, expiry means the peer hangs. */
  private ackTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private downSince: number | undefined;
  private lastUnreachableLog = 0;
  private lastImmediateReconnect = 0;
  private closed = false;
  private sendingSnapshot = false;
  private readonly timeoutMs: number;
  private readonly retryDelayMs: number;
  /** Who is sending and the token; the cluster ID is added per request (senderHeaders()). */
  private readonly staticHeaders: Record<string, string>;
  readonly pool: Pool;

  constructor(
    readonly id: NodeId,
    readonly addr: string,
    private readonly options: TransportOptions,
  ) {
    this.timeoutMs = options.requestTimeoutMs ?? 2000;
    this.retryDelayMs = options.retryDelayMs ?? 100;
    this.staticHeaders = {
      'x-chronik-from': String(options.selfId),
      'x-chronik-from-addr': options.selfAddr,
      ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
    };
    this.pool = new Pool(`${options.tls !== undefined ? 'https' : 'http'}://${addr}`, {
      connections: 1,
      ...(options.tls !== undefined ? { connect: options.tls.connect() } : {}),
      keepAliveTimeout: 30_000,
      connectTimeout: Math.min(this.timeoutMs, 1000),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /** What the peer checks before it accepts a stream or a snapshot chunk. */
  private senderHeaders(): Record<string, string> {
    return { ...this.staticHeaders, [CLUSTER_ID_HEADER]: this.options.clusterId() };
  }

  get reachable(): boolean {
    return this.downSince === undefined;
  }

  enqueue(messages: Message[]): void {
    for (const message of messages) {
      if (message.type === 'snapshot') this.streamSnapshot(message);
      else this.queue.push(message);
    }
    const max = this.options.maxQueue ?? 4096;
    if (this.queue.length > max) this.queue.splice(0, this.queue.length - max);
    this.flush();
  }

  /** Writes what is queued as frames on the open stream (opening one first if needed) until the socket pushes back. */
  private flush(): void {
    if (this.closed || this.retryTimer !== undefined || this.queue.length === 0) return;
    // A cut link fails like an unreachable peer, so what is queued is lost as in reality.
    if (this.options.faults?.dropsTrafficTo(this.addr) === true) {
      this.queue = [];
      this.fail(new Error('traffic dropped by CHRONIK_FAULT_FILE'));
      return;
    }
    const stream = this.stream;
    if (stream === undefined) {
      this.connect();
      return;
    }
    if (stream.blocked) return;
    const { selfId, selfAddr } = this.options;
    const clusterId = this.options.clusterId();
    stream.socket.cork();
    let sent = 0;
    while (this.queue.length > 0 && !stream.blocked) {
      let count = 0;
      let bytes = 0;
      while (count < this.queue.length && count < MAX_MESSAGES_PER_BATCH && (count === 0 || bytes < MAX_BATCH_BYTES)) {
        bytes += payloadBytes(this.queue[count] as Message);
        count += 1;
      }
      const body = encodeBatch({ from: selfId, fromAddr: selfAddr, clusterId, messages: this.queue.splice(0, count) });
      stream.socket.write(frameHeader(body.length));
      stream.blocked = !stream.socket.write(body);
      sent += body.length;
    }
    stream.socket.uncork();
    this.options.metrics.peerSentBytes.inc({ peer: String(this.id) }, sent);
    this.ackTimer ??= setTimeout(() => {
      this.ackTimer = undefined;
      this.fail(new Error(`no acknowledgement within ${this.timeoutMs} ms`));
    }, this.timeoutMs);
  }

  private connect(): void {
    if (this.connecting) return;
    this.connecting = true;
    openStream(this.addr, this.senderHeaders(), this.timeoutMs, this.options.tls?.peerConnectOptions())
      .then(({ socket, head }) => {
        this.connecting = false;
        if (this.closed) {
          socket.destroy();
          return;
        }
        const stream: OpenStream = { socket, blocked: false, answer: '' };
        this.stream = stream;
        socket.setEncoding('utf8');
        socket.on('data', (text: string) => this.onAnswer(stream, text));
        socket.on('drain', () => {
          stream.blocked = false;
          this.flush();
        });
        socket.on('error', () => socket.destroy());
        socket.on('close', () => {
          if (this.stream !== stream) return;
          this.stream = undefined;
          if (stream.refusal !== undefined) {
            this.fail(new Error(`the peer ended the stream: ${stream.refusal}`));
            return;
          }
          // The peer's end closed (end-of-stream or reset) without a word: reconnect now, whatever is queued,
          // to learn at once whether its process is still there (connected) or gone (refused). At most once
          // per retry interval, so a peer that keeps accepting and closing costs no tight loop.
          const now = Date.now();
          if (now - this.lastImmediateReconnect < this.retryDelayMs) {
            this.fail(new Error('the peer closed the stream'));
            return;
          }
          this.lastImmediateReconnect = now;
          this.dropStream();
          this.connect();
        });
        if (head.length > 0) this.onAnswer(stream, head.toString('utf8'));
        this.markUp();
        this.flush();
      })
      .catch((err: unknown) => {
        this.connecting = false;
        const code = errnoCode(err);
        // Nothing listens at the peer's address (or its host reset the connect): its process is gone.
        if (!this.closed && (code === 'ECONNREFUSED' || code === 'ECONNRESET')) this.options.onConnectionLost?.(this.id);
        this.fail(err);
      });
  }

  /** Lines from the peer: `ok` acknowledges what it processed, `error <reason>` precedes it closing the stream. */
  private onAnswer(stream: OpenStream, text: string): void {
    stream.answer += text;
    let newline = stream.answer.indexOf('\n');
    while (newline >= 0) {
      const line = stream.answer.slice(0, newline);
      stream.answer = stream.answer.slice(newline + 1);
      if (line === 'ok') {
        if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
        this.ackTimer = undefined;
        this.markUp();
      } else if (line.startsWith('error ')) {
        stream.refusal = line.slice('error '.length);
      }
      newline = stream.answer.indexOf('\n');
    }
    if (stream.answer.length > 4096) stream.socket.destroy();
  }

  /** The peer is unreachable, refused us or hangs: drop the stream and retry after a pause. */
  private fail(err: unknown): void {
    this.dropStream();
    this.markDown(err);
  }

  /** Stops waiting for acknowledgements and closes the stream, if one is open. */
  private dropStream(): void {
    if (this.ackTimer !== undefined) clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
    const stream = this.stream;
    this.stream = undefined;
    stream?.socket.destroy();
  }

  /**
   * One snapshot transfer per peer at a time, beside the message batches. The core sends another snapshot
   * message only after this one is reported (failed) or answered, so one arriving meanwhile is a duplicate.
   */
  private streamSnapshot(message: Extract<Message, { type: 'snapshot' }>): void {
    if (this.sendingSnapshot || this.closed) return;
    this.sendingSnapshot = true;
    const { logger } = this.options;
    const started = Date.now();
    const headers = this.senderHeaders();
    logger.info('snapshot send started', { peer: this.id, index: message.snapshot.meta.index });
    const sending = this.options.faults?.dropsTrafficTo(this.addr) === true
      ? Promise.reject(new Error('traffic dropped by CHRONIK_FAULT_FILE'))
      : sendSnapshot({ pool: this.pool, dataDir: this.options.dataDir, headers, message });
    sending
      .then((bytes) => {
        this.options.metrics.peerSentBytes.inc({ peer: String(this.id) }, bytes);
        logger.info('snapshot sent', { peer: this.id, index: message.snapshot.meta.index, bytes, duration: formatDuration(Date.now() - started) });
        this.markUp();
      })
      .catch((err: unknown) => {
        if (this.closed) return;
        logger.warn('snapshot send failed', { peer: this.id, index: message.snapshot.meta.index, error: describeError(err) });
        this.options.onSnapshotFailed?.(this.id);
      })
      .finally(() => {
        this.sendingSnapshot = false;
      });
  }

  private markUp(): void {
    if (this.downSince === undefined) return;
    const downFor = Date.now() - this.downSince;
    this.downSince = undefined;
    this.options.logger.info('peer recovered', { peer: this.id, addr: this.addr, down_for: formatDuration(downFor) });
  }

  private markDown(err: unknown): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.downSince === undefined) this.downSince = now;
    if (now - this.lastUnreachableLog >= UNREACHABLE_LOG_INTERVAL_MS) {
      this.lastUnreachableLog = now;
      this.options.logger.warn('peer unreachable', { peer: this.id, addr: this.addr, error: describeError(err) });
    }
    // What was queued while the peer was down is stale by the time it returns; keep only the newest.
    this.queue.splice(0, Math.max(0, this.queue.length - 64));
    if (this.retryTimer !== undefined) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.flush();
    }, this.retryDelayMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.queue = [];
    this.dropStream();
    await this.pool.destroy().catch(() => undefined);
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = errnoCode(err);
    return code !== undefined && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

export class Transport {
  private readonly links = new Map<NodeId, PeerLink>();
  private readonly addresses = new Map<NodeId, string>();

  constructor(private readonly options: TransportOptions) {}

  /** Records where a peer listens (from the membership, or learned from a batch it sent us). */
  setAddress(id: NodeId, addr: string): void {
    if (id === this.options.selfId || this.addresses.get(id) === addr) return;
    this.addresses.set(id, addr);
    const old = this.links.get(id);
    if (old !== undefined) {
      this.links.delete(id);
      void old.close();
    }
  }

  addressOf(id: NodeId): string | undefined {
    return id === this.options.selfId ? this.options.selfAddr : this.addresses.get(id);
  }

  isReachable(id: NodeId): boolean {
    return this.links.get(id)?.reachable ?? true;
  }

  /** Queues messages for their peers and returns at once. Messages to peers with no known address are dropped. */
  send(messages: readonly Message[]): void {
    const byPeer = new Map<NodeId, Message[]>();
    for (const message of messages) {
      const list = byPeer.get(message.to);
      if (list === undefined) byPeer.set(message.to, [message]);
      else list.push(message);
    }
    for (const [id, batch] of byPeer) {
      const link = this.link(id);
      if (link === undefined) {
        this.options.logger.debug('message dropped', { peer: id, reason: 'no-address', count: batch.length });
        continue;
      }
      const delay = this.options.faults?.delayTo(link.addr) ?? 0;
      if (delay > 0) setTimeout(() => link.enqueue(batch), delay);
      else link.enqueue(batch);
    }
  }

  private link(id: NodeId): PeerLink | undefined {
    let link = this.links.get(id);
    if (link !== undefined) return link;
    const addr = this.addresses.get(id);
    if (addr === undefined) return undefined;
    link = new PeerLink(id, addr, this.options);
    this.links.set(id, link);
    return link;
  }

  async close(): Promise<void> {
    await Promise.all([...this.links.values()].map((link) => link.close()));
    this.links.clear();
  }
}
