// The snapshot file of a data dir: the state machine and membership as of one log index, CRC-framed and
// replaced atomically, so the WAL before it can be deleted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Snapshot, SnapshotMeta } from '../raft/types.js';
import { CodecError, Reader, Writer, readMembership, writeMembership } from './codec.js';
import { StorageCorruptError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';

export const SNAPSHOT_FILE = 'snapshot.bin';
const VERSION = 1;

/** The file is [u32 payload length][u32 crc32 of the payload] and the payload: this head, then the data. */
const HEADER_BYTES = 8;

/** The payload's bytes before the key-value data: version, index, term, membership, data length. */
function payloadHead(meta: SnapshotMeta, dataLength: number): Uint8Array {
  const w = new Writer(64);
  w.u8(VERSION).uint(meta.index).uint(meta.term);
  writeMembership(w, meta.membership);
  return w.uint(dataLength).finish();
}

/** A framed snapshot file's bytes, and where its key-value data starts in them. */
export interface FramedSnapshot {
  file: Buffer;
  dataOffset: number;
}

/**
 * Frames snapshot.bin from its data, given as pieces of `dataLength` bytes in all. A generator: it
 * yields the bytes copied since the last yield after each piece, so a caller on the event loop can
 * pause between pieces (the background snapshotter), or run it through at once (writeSnapshotFile).
 */
export function* frameSnapshot(meta: SnapshotMeta, pieces: Iterable<Uint8Array>, dataLength: number): Generator<number, FramedSnapshot, void> {
  const head = payloadHead(meta, dataLength);
  const dataOffset = HEADER_BYTES + head.length;
  const file = Buffer.allocUnsafe(dataOffset + dataLength);
  file.writeUInt32LE(head.length + dataLength, 0);
  file.set(head, HEADER_BYTES);
  let crc = crc32(head);
  let at = dataOffset;
  for (const piece of pieces) {
    if (at + piece.length > file.length) throw new RangeError('snapshot data longer than announced');
    file.set(piece, at);
    crc = crc32(piece, crc);
    at += piece.length;
    yield piece.length;
  }
  if (at !== file.length) throw new RangeError('snapshot data shorter than announced');
  file.writeUInt32LE(crc, 4);
  return { file, dataOffset };
}

/** Runs a generator to its end and returns what it returns. */
function finish<T>(steps: Generator<unknown, T, void>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

export function writeSnapshotFile(dir: string, snapshot: Snapshot): void {
  const { file } = finish(frameSnapshot(snapshot.meta, [snapshot.data], snapshot.data.length));
  writeFileAtomic(join(dir, SNAPSHOT_FILE), file);
}

/** The data dir's snapshot, or undefined when none was taken yet. A damaged file is never ignored. */
export function readSnapshotFile(dir: string, name = SNAPSHOT_FILE): Snapshot | undefined {
  const path = join(dir, name);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const length = bytes.length >= HEADER_BYTES ? bytes.readUInt32LE(0) : -1;
  if (length !== bytes.length - HEADER_BYTES) throw new StorageCorruptError(path, 0, `snapshot length ${length} does not match the file size ${bytes.length}`);
  const payload = bytes.subarray(HEADER_BYTES);
  if (crc32(payload) !== bytes.readUInt32LE(4)) throw new StorageCorruptError(path, 0, 'snapshot checksum mismatch');
  try {
    const r = new Reader(payload);
    const version = r.u8();
    if (version !== VERSION) throw new CodecError(`unsupported snapshot version ${version}`);
    const index = r.uint();
    const term = r.uint();
    const membership = readMembership(r);
    return { meta: { index, term, membership }, data: new Uint8Array(r.bytes()) };
  } catch (err) {
    throw new StorageCorruptError(path, HEADER_BYTES, `undecodable snapshot: ${(err as Error).message}`);
  }
}
