// Ships snapshot.bin from a leader to a follower in chunks over POST /raft/snapshot, so no request carries
// the whole snapshot and the sender holds one chunk in memory. The receiver appends to a part file, resumes
// at the offset it already has after a dropped connection, and hands the core a snapshot message only once
// the whole file is fsynced, checksummed and renamed into place.
import { closeSync, existsSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'undici';
import type { Message, Snapshot } from '../raft/types.js';
import type { SnapshotChunkAnswer } from '../shared/http-api.js';
import { Reader } from './codec.js';
import { fsyncDir } from './fsutil.js';
import { SNAPSHOT_FILE, readSnapshotFile } from './snapshot-file.js';
import { peerRefusal } from './peer-stream.js';

export const SNAPSHOT_CHUNK_BYTES = 1024 * 1024;
/** A received snapshot, complete and verified, waiting for the core to accept it. */
export const RECEIVED_SNAPSHOT_FILE = 'snapshot.recv.bin';
const PART_FILE = 'snapshot.part';
const ATTEMPTS = 5;
const RETRY_DELAY_MS = 200;

type SnapshotMessage = Extract<Message, { type: 'snapshot' }>;

export interface ChunkHeaders {
  from: number;
  fromAddr: string;
  clusterId: string;
  term: number;
  index: number;
  snapshotTerm: number;
  offset: number;
  total: number;
}

/** Index and term at the head of a snapshot file, read without loading the rest. */
async function snapshotFileHead(path: string): Promise<{ index: number; term: number; size: number } | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (handle === undefined) return undefined;
  try {
    const head = Buffer.alloc(32);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    const r = new Reader(head.subarray(9, bytesRead));
    const index = r.uint();
    return { index, term: r.uint(), size: (await handle.stat()).size };
  } finally {
    await handle.close();
  }
}

export interface SendOptions {
  pool: Pool;
  dataDir: string;
  headers: Record<string, string>;
  message: SnapshotMessage;
}

/**
 * Sends the leader's snapshot.bin if it is the snapshot the core asked to send (a newer one replaced it:
 * fail, the core retries with its current one). Each chunk names its offset; a receiver that has a
 * different amount answers 409 with its own offset and the sender continues from there.
 */
export async function sendSnapshot(options: SendOptions): Promise<number> {
  const path = join(options.dataDir, SNAPSHOT_FILE);
  const { meta } = options.message.snapshot;
  const head = await snapshotFileHead(path);
  if (head === undefined || head.index !== meta.index || head.term !== meta.term) {
    throw new Error(`snapshot ${meta.index} is no longer on disk (found ${head?.index ?? 'none'})`);
  }
  // The open handle keeps reading this snapshot even if a newer one is renamed over the name meanwhile.
  const handle = await open(path, 'r');
  try {
    let offset = 0;
    let failures = 0;
    const chunk = Buffer.allocUnsafe(SNAPSHOT_CHUNK_BYTES);
    while (true) {
      const { bytesRead } = await handle.read(chunk, 0, Math.min(chunk.length, head.size - offset), offset);
      try {
        const answer = await postChunk(options, chunk.subarray(0, bytesRead), offset, head.size);
        offset = answer.offset;
        failures = 0;
        if (answer.done) return head.size;
      } catch (err) {
        failures += 1;
        if (failures >= ATTEMPTS) throw err;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
    }
  } finally {
    await handle.close();
  }
}

async function postChunk(options: SendOptions, body: Buffer, offset: number, total: number): Promise<SnapshotChunkAnswer> {
  const { message } = options;
  const response = await options.pool.request({
    path: `/raft/snapshot?index=${message.snapshot.meta.index}&snapshotTerm=${message.snapshot.meta.term}&term=${message.term}&offset=${offset}&total=${total}`,
    method: 'POST',
    headers: { ...options.headers, 'content-type': 'application/octet-stream' },
    body,
  });
  const text = await response.body.text();
  if (response.statusCode !== 200 && response.statusCode !== 409) throw peerRefusal(response.statusCode, text);
  return JSON.parse(text) as SnapshotChunkAnswer;
}

/** The follower's side: one part file at a time, named by the snapshot's index and term in memory. */
export class SnapshotReceiver {
  private part: { index: number; term: number; fd: number; size: number } | undefined;
  /** The complete, verified file waiting under RECEIVED_SNAPSHOT_FILE. */
  private received: { index: number; term: number } | undefined;

  constructor(
    private readonly dataDir: string,
    private readonly deliver: (message: SnapshotMessage) => void,
  ) {
    // A part file from before a restart has no owner any more; a received file was never accepted; a
    // snapshot temp file is a write a crash cut short (snapshot.bin still holds the previous one).
    for (const name of [PART_FILE, RECEIVED_SNAPSHOT_FILE, `.${SNAPSHOT_FILE}.tmp`]) {
      if (existsSync(join(dataDir, name))) unlinkSync(join(dataDir, name));
    }
  }

  /** Appends one chunk if it starts where the part file ends; answers the offset the sender must continue at. */
  receive(h: ChunkHeaders, body: Uint8Array, to: number): SnapshotChunkAnswer & { status: 200 | 409 } {
    if (this.part !== undefined && (this.part.index !== h.index || this.part.term !== h.snapshotTerm)) {
      if (h.offset !== 0) return { status: 409, offset: 0, done: false };
      this.discard();
    }
    if (this.part === undefined) {
      if (h.offset !== 0) return { status: 409, offset: 0, done: false };
      this.part = { index: h.index, term: h.snapshotTerm, fd: openSync(join(this.dataDir, PART_FILE), 'w', 0o600), size: 0 };
    }
    const part = this.part;
    if (h.offset !== part.size) return { status: 409, offset: part.size, done: false };
    if (part.size + body.length > h.total) {
      this.discard();
      throw new Error(`snapshot chunk runs past the declared size ${h.total}`);
    }
    let written = 0;
    while (written < body.length) written += writeSync(part.fd, body, written, body.length - written, part.size + written);
    part.size += body.length;
    if (part.size < h.total) return { status: 200, offset: part.size, done: false };
    this.complete(h, to);
    return { status: 200, offset: part.size, done: true };
  }

  private complete(h: ChunkHeaders, to: number): void {
    const part = this.part as { fd: number };
    fsyncSync(part.fd);
    closeSync(part.fd);
    this.part = undefined;
    const partPath = join(this.dataDir, PART_FILE);
    const receivedPath = join(this.dataDir, RECEIVED_SNAPSHOT_FILE);
    renameSync(partPath, receivedPath);
    fsyncDir(this.dataDir);
    let snapshot: Snapshot | undefined;
    try {
      snapshot = readSnapshotFile(this.dataDir, RECEIVED_SNAPSHOT_FILE);
    } catch (err) {
      unlinkSync(receivedPath);
      throw err;
    }
    if (snapshot === undefined || snapshot.meta.index !== h.index || snapshot.meta.term !== h.snapshotTerm) {
      unlinkSync(receivedPath);
      throw new Error(`received snapshot is not ${h.index}/${h.snapshotTerm}`);
    }
    this.received = { index: h.index, term: h.snapshotTerm };
    this.deliver({ type: 'snapshot', from: h.from, to, term: h.term, snapshot });
  }

  /** Makes the received file snapshot.bin by rename when it is the snapshot the core installs; false if not. */
  adopt(snapshot: Snapshot): boolean {
    const received = this.received;
    this.received = undefined;
    if (received?.index !== snapshot.meta.index || received.term !== snapshot.meta.term) return false;
    renameSync(join(this.dataDir, RECEIVED_SNAPSHOT_FILE), join(this.dataDir, SNAPSHOT_FILE));
    fsyncDir(this.dataDir);
    return true;
  }

  private discard(): void {
    if (this.part === undefined) return;
    closeSync(this.part.fd);
    this.part = undefined;
    unlinkSync(join(this.dataDir, PART_FILE));
  }

  close(): void {
    if (this.part !== undefined) closeSync(this.part.fd);
    this.part = undefined;
  }
}
