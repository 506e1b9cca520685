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
export const SNAPSHOT_HEADER_BYTES = 8;

/** The payload's bytes before the key-value data: version, index, term, membership, data length. */
export function snapshotPayloadHead(meta: SnapshotMeta, dataLength: number): Uint8Array {
  const w = new Writer(64);
  w.u8(VERSION).uint(meta.index).uint(meta.term);
  writeMembership(w, meta.membership);
  return w.uint(dataLength).finish();
}

export function writeSnapshotFile(dir: string, snapshot: Snapshot): void {
  const head = snapshotPayloadHead(snapshot.meta, snapshot.data.length);
  const file = Buffer.allocUnsafe(SNAPSHOT_HEADER_BYTES + head.length + snapshot.data.length);
  file.writeUInt32LE(head.length + snapshot.data.length, 0);
  file.writeUInt32LE(crc32(snapshot.data, crc32(head)), 4);
  file.set(head, SNAPSHOT_HEADER_BYTES);
  file.set(snapshot.data, SNAPSHOT_HEADER_BYTES + head.length);
  writeFileAtomic(join(dir, SNAPSHOT_FILE), file);
}

/** The data dir's snapshot, or undefined when none was taken yet. A damaged file is never ignored. */
export function readSnapshotFile(dir: string, name = SNAPSHOT_FILE): Snapshot | undefined {
  const path = join(dir, name);
  if (!existsSync(path)) return undefined;
  const bytes = readFileSync(path);
  const length = bytes.length >= 8 ? bytes.readUInt32LE(0) : -1;
  if (length !== bytes.length - 8) throw new StorageCorruptError(path, 0, `snapshot length ${length} does not match the file size ${bytes.length}`);
  const payload = bytes.subarray(8);
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
    throw new StorageCorruptError(path, 8, `undecodable snapshot: ${(err as Error).message}`);
  }
}
