// The transport tells the runtime a peer's process is gone only when it is: its stream closed and the
// reconnect made at once was refused. A stream reset by a peer that still listens, and a peer that hangs,
// are never reported (docs/node.md, "When the leader's connection resets"). Real sockets on loopback.
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/index.js';
import { decodeBatch } from '../../src/node/codec.js';
import { Logger } from '../../src/node/logger.js';
import { createNodeMetrics } from '../../src/node/metrics.js';
import { serveStream, STREAM_PROTOCOL } from '../../src/node/peer-stream.js';
import { Transport } from '../../src/node/transport.js';

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));
const dir = mkdtempSync(join(tmpdir(), 'chronik-transport-'));
const heartbeat = (n: number): Message => ({ type: 'heartbeat', from: 1, to: 2, term: 1, commit: n });

/** Peer 2: accepts streams like a node does; `ack: false` reads nothing and acknowledges nothing (hung). */
class Peer {
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  readonly received: Message[] = [];
  constructor(ack = true) {
    this.server = createServer();
    this.server.on('upgrade', (_req, socket: Socket, head: Buffer) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\nupgrade: ${STREAM_PROTOCOL}\r\n\r\n`);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      if (ack) serveStream(socket, head, (frame) => this.received.push(...decodeBatch(frame).messages), () => undefined);
      else socket.pause();
    });
  }
  async listen(port = 0): Promise<number> {
    await new Promise<void>((done) => this.server.listen(port, '127.0.0.1', done));
    return (this.server.address() as { port: number }).port;
  }
  /** kill -9: the listener goes and every stream is reset. */
  async die(): Promise<void> {
    const closed = new Promise<void>((done) => this.server.close(() => done()));
    for (const socket of this.sockets) socket.resetAndDestroy();
    await closed;
  }
}

let transport: Transport | undefined;
const peers: Peer[] = [];
afterEach(async () => {
  await transport?.close();
  for (const peer of peers.splice(0)) await peer.die().catch(() => undefined);
});

function start(port: number, lost: number[], requestTimeoutMs = 2000): Transport {
  const zero = (): number => 0;
  transport = new Transport({
    selfId: 1,
    selfAddr: '127.0.0.1:1',
    clusterId: () => 'c',
    logger: new Logger({ format: 'text', file: join(dir, 'node-1.log') }, 1),
    metrics: createNodeMetrics({ hasLeader: zero, isLeader: zero, term: zero, commitIndex: zero, appliedIndex: zero, lastIndex: zero, proposalsPending: zero, snapshotIndex: zero, walBytes: zero }),
    requestTimeoutMs,
    dataDir: dir,
    onConnectionLost: (peer) => lost.push(peer),
  });
  transport.setAddress(2, `127.0.0.1:${port}`);
  return transport;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 10) {
    if (waited > 5000) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A transport whose stream to a live peer 2 has delivered its first message. */
async function connected(): Promise<{ peer: Peer; lost: number[]; t: Transport }> {
  const peer = new Peer();
  peers.push(peer);
  const lost: number[] = [];
  const t = start(await peer.listen(), lost);
  t.send([heartbeat(1)]);
  await until('the first message', () => peer.received.length === 1);
  return { peer, lost, t };
}

describe('transport: a peer whose connection resets', () => {
  it('reports a peer whose stream closed and whose port refuses the reconnect', async () => {
    const { peer, lost } = await connected();
    const killedAt = performance.now();
    await peer.die();
    await until('the loss report', () => lost.length > 0);
    expect(lost).toEqual([2]);
    // Within a moment of the reset, not after a timeout.
    expect(performance.now() - killedAt).toBeLessThan(1000);
  });

  it('says nothing when the stream resets but the peer accepts the reconnect, and delivers over the new stream', async () => {
    const { peer, lost, t } = await connected();
    const old = new Set(peer.sockets);
    for (const socket of old) socket.resetAndDestroy();
    // Reconnected at once, with nothing queued: a message written before the reset was noticed would be lost.
    await until('a new stream', () => [...peer.sockets].some((socket) => !old.has(socket)));
    t.send([heartbeat(2)]);
    await until('the second message', () => peer.received.length === 2);
    await sleep(300);
    expect(lost).toEqual([]);
  });

  it('says nothing about a peer that hangs (its stream stays open, nothing is acknowledged)', async () => {
    const peer = new Peer(false);
    peers.push(peer);
    const lost: number[] = [];
    const t = start(await peer.listen(), lost, 200);
    t.send([heartbeat(1)]);
    await until('the stream', () => peer.sockets.size === 1);
    await sleep(800);
    expect(t.isReachable(2)).toBe(false);
    expect(lost).toEqual([]);
  });
});
