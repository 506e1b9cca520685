// The peer stream: one long-lived connection per sending node and peer (HTTP/1.1 Upgrade on the node's own
// port), carrying length-prefixed message batches one way and a periodic "ok" line back, so a write costs a
// frame on an open socket instead of a request and an answer.
import { request, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { splitHostPort } from './host-port.js';
import type { ApiErrorBody } from '../shared/http-api.js';

export const STREAM_PATH = '/raft/stream';
export const STREAM_PROTOCOL = 'chronik-raft/1';
/** The sender's cluster ID on every peer request: stream upgrades, snapshot chunks, forwarded writes. */
export const CLUSTER_ID_HEADER = 'x-chronik-cluster-id';
/** Largest frame a receiver accepts; the sender's batches stay far below it. */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;
/** A receiver acknowledges what it processed at most this often; the sender's liveness check rests on it. */
export const ACK_INTERVAL_MS = 200;

/** The 4-byte big-endian length that precedes every batch on the stream. */
export function frameHeader(length: number): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt32BE(length, 0);
  return header;
}

/** Cuts a byte stream into frames; copies only when a frame spans chunks, and then once per frame. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes the pending frame needs in all (header included), once its header has arrived. */
  private needed = 0;

  /** Appends a chunk and returns the frames it completed, in order. Throws on a frame over the limit. */
  push(chunk: Buffer): Buffer[] {
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      if (this.needed === 0 && this.pendingBytes >= 4) this.needed = 4 + checkedLength(Buffer.concat(this.pending, 4), 0);
      if (this.needed === 0 || this.pendingBytes < this.needed) return [];
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
      this.needed = 0;
    }
    const frames: Buffer[] = [];
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = checkedLength(data, offset);
      if (data.length - offset - 4 < length) {
        this.needed = 4 + length;
        break;
      }
      frames.push(data.subarray(offset + 4, offset + 4 + length));
      offset += 4 + length;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
    return frames;
  }
}

function checkedLength(data: Buffer, offset: number): number {
  const length = data.readUInt32BE(offset);
  if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes is over the ${MAX_FRAME_BYTES}-byte limit`);
  return length;
}

/**
 * Serves an accepted stream: every frame goes to `onFrame` in arrival order; what was processed is acknowledged
 * within ACK_INTERVAL_MS. A frame `onFrame` refuses (it throws) ends the stream with an `error <reason>` line.
 */
export function serveStream(socket: Socket, head: Buffer, onFrame: (frame: Buffer) => void, onClose: () => void): void {
  const reader = new FrameReader();
  let ackTimer: NodeJS.Timeout | undefined;
  let failed = false;
  socket.setNoDelay(true);
  socket.setTimeout(0);
  const fail = (err: unknown): void => {
    failed = true;
    if (ackTimer !== undefined) clearTimeout(ackTimer);
    const reason = (err instanceof Error ? err.message : String(err)).replace(/[\r\n]+/g, ' ');
    socket.end(`error ${reason}\n`);
    socket.destroySoon();
  };
  const receive = (chunk: Buffer): void => {
    if (failed) return;
    try {
      for (const frame of reader.push(chunk)) onFrame(frame);
    } catch (err) {
      fail(err);
      return;
    }
    ackTimer ??= setTimeout(() => {
      ackTimer = undefined;
      if (!failed && socket.writable) socket.write('ok\n');
    }, ACK_INTERVAL_MS);
  };
  socket.on('data', receive);
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    if (ackTimer !== undefined) clearTimeout(ackTimer);
    onClose();
  });
  if (head.length > 0) receive(head);
}

/** What a peer's refusal (an HTTP error, its body a JSON `{error}` or text) says, as the error a sender logs. */
export function peerRefusal(status: number, body: string): Error {
  if (status === 401) return new Error('unauthorized: the peer has a different token');
  let reason = body.slice(0, 300);
  try {
    reason = (JSON.parse(body) as { error?: string }).error ?? reason;
  } catch {
    // not JSON: keep the text
  }
  return new Error(`HTTP ${status}: ${reason}`);
}

/** Answers a refused upgrade with a plain HTTP error the sender can log, then closes the connection. */
export function refuseStream(socket: Socket, status: number, body: ApiErrorBody): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
  );
  socket.destroySoon();
}

/**
 * Opens a stream to `addr`: resolves with the upgraded socket (and any bytes that came with the answer), or
 * rejects with `HTTP <status>: <reason>` when the peer refuses, or when nothing answers within timeoutMs.
 */
export function openStream(addr: string, headers: Record<string, string>, timeoutMs: number): Promise<{ socket: Socket; head: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({
      ...splitHostPort(addr),
      method: 'GET',
      path: STREAM_PATH,
      agent: false,
      headers: { ...headers, connection: 'Upgrade', upgrade: STREAM_PROTOCOL },
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer to the stream request within ${timeoutMs} ms`)));
    req.on('upgrade', (_res, socket, head) => {
      socket.setTimeout(0);
      socket.setNoDelay(true);
      resolve({ socket, head });
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (part: string) => {
        if (text.length < 300) text += part;
      });
      res.on('error', reject);
      res.on('end', () => reject(peerRefusal(res.statusCode ?? 0, text)));
    });
    req.on('error', reject);
    req.end();
  });
}
