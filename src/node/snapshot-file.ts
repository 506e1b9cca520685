// The snapshot file of a data dir: the state machine and membership as of one log index, CRC-framed and
// replaced atomically, so the WAL before it can be deleted.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Snapshot } from '../raft/types.js';
import { CodecError, Reader, Writer, readMembership, writeMembership } from './codec.js';
import { StorageCorruptError } from './errors.js';
import { writeFileAtomic } from './fsutil.js';

export const SNAPSHOT_FILE = 'snapshot.bin';
const VERSION = 1;

export function writeSnapshotFile(dir: string, snapshot: Snapshot): void {
  const w = new Writer(64 + snapshot.data.length);
  w.u8(VERSION).uint(snapshot.meta.index).uint(snapshot.meta.term);
  writeMembership(w, snapshot.meta.membership);
  w.bytes(snapshot.data);
  const payload = w.finish();
  const file = Buffer.allocUnsafe(8 + payload.length);
  file.writeUInt32LE(payload.length, 0);
  file.writeUInt32LE(crc32(payload), 4);
  file.set(payload, 8);
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
