// The write-ahead log: append-only segment files of [u32 length][u32 crc32][payload] records holding
// entry batches and hard states. One write + one fdatasync per batch (group commit); replay on open.
import { closeSync, existsSync, ftruncateSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Entry, HardState } from '../raft/types.js';
import { CodecError, Reader, Writer, readEntries, readHardState, writeEntries, writeHardState } from './codec.js';
import { StorageCorruptError } from './errors.js';
import { injectStorageFault } from './faults.js';
import { fsyncDir } from './fsutil.js';

const HEADER_BYTES = 8;
/** Larger than any batch the runtime writes (values are capped at 1 MiB); anything bigger is corruption. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const RECORD_ENTRIES = 1;
const RECORD_HARD_STATE = 2;
const SEGMENT_SUFFIX = '.wal';
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export interface TornTail {
  file: string;
  offset: number;
  bytes: number;
}

export interface WalContents {
  /** The log after replaying overwrites: entries[i].index === i + 1. */
  entries: Entry[];
  hardState: HardState;
  /** Total size of the segments after any repair. */
  bytes: number;
  /** Set when the final record was torn (a crash mid-write); with repair it has been cut off. */
  tornTail?: TornTail;
  segments: string[];
}

function segmentName(seq: number): string {
  return `${String(seq).padStart(16, '0')}${SEGMENT_SUFFIX}`;
}

function listSegments(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => /^\d{16}\.wal$/.test(name))
    .sort();
}

/** Frames one record; the CRC covers the payload so a flipped bit anywhere is caught on replay. */
function frame(payload: Uint8Array): Buffer {
  const record = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  record.writeUInt32LE(payload.length, 0);
  record.writeUInt32LE(crc32(payload), 4);
  record.set(payload, HEADER_BYTES);
  return record;
}

/** Whether a well-framed record (plausible length, matching CRC) starts anywhere at or after `from`. */
function intactRecordWithin(data: Buffer, from: number): boolean {
  for (let at = from; at + HEADER_BYTES < data.length; at++) {
    const length = data.readUInt32LE(at);
    const end = at + HEADER_BYTES + length;
    if (length === 0 || length > MAX_RECORD_BYTES || end > data.length) continue;
    if (crc32(data.subarray(at + HEADER_BYTES, end)) === data.readUInt32LE(at + 4)) return true;
  }
  return false;
}

function allZero(bytes: Uint8Array): boolean {
  for (const byte of bytes) if (byte !== 0) return false;
  return true;
}

/**
 * Reads every segment. A damaged record that ends the last segment is a torn write from a crash (it was
 * never acknowledged): with `repair` it is truncated, otherwise only reported. Damage anywhere else
 * throws StorageCorruptError, because dropping it could lose acknowledged data.
 */
export function scanWal(dir: string, repair: boolean): WalContents {
  const segments = listSegments(dir);
  const entries: Entry[] = [];
  let hardState: HardState = { term: 0, vote: 0, commit: 0 };
  let bytes = 0;
  let tornTail: TornTail | undefined;

  segments.forEach((name, segmentIndex) => {
    const file = join(dir, name);
    const data = readFileSync(file);
    const isLast = segmentIndex === segments.length - 1;
    let offset = 0;
    while (offset < data.length) {
      const rest = data.length - offset;
      const length = rest >= HEADER_BYTES ? data.readUInt32LE(offset) : -1;
      const end = offset + HEADER_BYTES + Math.max(length, 0);
      let problem: string | undefined;
      if (rest < HEADER_BYTES) problem = 'partial record header';
      else if (length === 0 || length > MAX_RECORD_BYTES) problem = `impossible record length ${length}`;
      else if (end > data.length) problem = `record of ${length} bytes runs past the end of the file`;
      else if (crc32(data.subarray(offset + HEADER_BYTES, end)) !== data.readUInt32LE(offset + 4)) problem = 'checksum mismatch';

      if (problem !== undefined) {
        // Torn tail: the damaged record is the last thing in the last segment, or only zeros follow it
        // (a filesystem that extended the file before the data reached the disk). A length that reaches
        // past the end while an intact record still follows is a damaged length field, not a torn write:
        // truncating there would silently drop acknowledged records.
        const endsFile = (end >= data.length && !intactRecordWithin(data, offset + 1)) || allZero(data.subarray(offset));
        if (!isLast || !endsFile) throw new StorageCorruptError(file, offset, problem);
        tornTail = { file, offset, bytes: rest };
        if (repair) {
          const fd = openSync(file, 'r+');
          try {
            ftruncateSync(fd, offset);
            fsyncSync(fd);
          } finally {
            closeSync(fd);
          }
        }
        bytes += offset;
        return;
      }
      try {
        applyRecord(data.subarray(offset + HEADER_BYTES, end), entries, (state) => (hardState = state));
      } catch (err) {
        const reason = err instanceof CodecError || err instanceof LogGapError ? err.message : String(err);
        throw new StorageCorruptError(file, offset, `undecodable record: ${reason}`);
      }
      offset = end;
    }
    bytes += data.length;
  });
  if (hardState.commit > entries.length) {
    throw new StorageCorruptError(join(dir, segments.at(-1) ?? ''), bytes, `commit index ${hardState.commit} is past the last entry ${entries.length}`);
  }
  return { entries, hardState, bytes, segments, ...(tornTail ? { tornTail } : {}) };
}

class LogGapError extends Error {}

function applyRecord(payload: Uint8Array, entries: Entry[], setHardState: (state: HardState) => void): void {
  const reader = new Reader(payload);
  const type = reader.u8();
  if (type === RECORD_ENTRIES) {
    for (const entry of readEntries(reader)) {
      // A later append at an existing index replaces that suffix (a new leader overwrote it).
      if (entry.index > entries.length + 1 || entry.index < 1) {
        throw new LogGapError(`entry index ${entry.index} does not follow ${entries.length}`);
      }
      entries.length = entry.index - 1;
      entries.push(entry);
    }
  } else if (type === RECORD_HARD_STATE) {
    setHardState(readHardState(reader));
  } else {
    throw new CodecError(`unknown record type ${type}`);
  }
  if (!reader.done) throw new CodecError('trailing bytes in record');
}

export interface WalOptions {
  segmentBytes?: number;
  /** Called after every fsync with its duration, for metrics and the `wal fsync slow` warning. */
  onFsync?: (durationMs: number, entries: number) => void;
}

/** The open, writable log. Callers must not overlap append() calls (the runtime persists one Ready at a time). */
export class Wal {
  private handle: FileHandle | undefined;
  private segmentSeq: number;
  private segmentSize: number;
  private totalBytes: number;
  private failure: Error | undefined;

  private constructor(
    private readonly dir: string,
    private readonly options: WalOptions,
    lastSegment: string | undefined,
    totalBytes: number,
  ) {
    this.segmentSeq = lastSegment === undefined ? 0 : Number(lastSegment.slice(0, 16));
    this.segmentSize = lastSegment === undefined ? 0 : statSync(join(dir, lastSegment)).size;
    this.totalBytes = totalBytes;
  }

  /** Creates the WAL directory with the given initial records; used while building a fresh data dir. */
  static create(dir: string, entries: readonly Entry[], hardState: HardState): void {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(join(dir, segmentName(1)), 'wx', 0o600);
    try {
      writeFileSync(fd, Buffer.concat([frame(encodeEntries(entries)), frame(encodeHardState(hardState))]));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    fsyncDir(dir);
  }

  /** Replays (repairing a torn tail) and opens the last segment for appending. */
  static async open(dir: string, options: WalOptions = {}): Promise<{ wal: Wal; contents: WalContents }> {
    if (!existsSync(dir)) throw new StorageCorruptError(dir, 0, 'the wal directory is missing');
    const contents = scanWal(dir, true);
    const wal = new Wal(dir, options, contents.segments.at(-1), contents.bytes);
    await wal.openSegment(false);
    return { wal, contents };
  }

  get bytes(): number {
    return this.totalBytes;
  }

  private async openSegment(fresh: boolean): Promise<void> {
    if (fresh || this.segmentSeq === 0) {
      this.segmentSeq += 1;
      this.segmentSize = 0;
      this.handle = await open(join(this.dir, segmentName(this.segmentSeq)), 'wx', 0o600);
      fsyncDir(this.dir);
    } else {
      this.handle = await open(join(this.dir, segmentName(this.segmentSeq)), 'r+');
    }
  }

  /** Appends entries and/or a hard state as one write and makes them durable with one fdatasync. */
  async append(entries: readonly Entry[], hardState: HardState | undefined): Promise<void> {
    if (entries.length === 0 && hardState === undefined) return;
    if (this.failure !== undefined) throw new Error(`the wal is unusable after an earlier failure (${this.failure.message})`);
    try {
      await this.appendRecords(entries, hardState);
    } catch (err) {
      // The tail is now unknown (part of a batch may be on disk; a failed fsync may have dropped pages), and
      // the next write would land at a stale offset, e.g. a hard state whose commit covers entries that were
      // never written. Nothing more is appended; a restart repairs the tail.
      this.failure = err as Error;
      throw err;
    }
  }

  private async appendRecords(entries: readonly Entry[], hardState: HardState | undefined): Promise<void> {
    const records: Buffer[] = [];
    if (entries.length > 0) records.push(frame(encodeEntries(entries)));
    if (hardState !== undefined) records.push(frame(encodeHardState(hardState)));
    const batch = records.length === 1 ? (records[0] as Buffer) : Buffer.concat(records);
    if (this.segmentSize > 0 && this.segmentSize + batch.length > (this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES)) {
      await this.handle?.close();
      await this.openSegment(true);
    }
    const handle = this.handle;
    if (handle === undefined) throw new Error('wal is closed');
    let written = 0;
    injectStorageFault('write');
    while (written < batch.length) {
      const { bytesWritten } = await handle.write(batch, written, batch.length - written, this.segmentSize + written);
      written += bytesWritten;
    }
    const started = performance.now();
    injectStorageFault('fsync');
    await handle.datasync();
    this.options.onFsync?.(performance.now() - started, entries.length);
    this.segmentSize += batch.length;
    this.totalBytes += batch.length;
  }

  async close(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    await handle?.close();
  }
}

function encodeEntries(entries: readonly Entry[]): Uint8Array {
  const w = new Writer(64 + entries.length * 32);
  w.u8(RECORD_ENTRIES);
  writeEntries(w, entries);
  return w.finish();
}

function encodeHardState(state: HardState): Uint8Array {
  const w = new Writer(16);
  w.u8(RECORD_HARD_STATE);
  writeHardState(w, state);
  return w.finish();
}
