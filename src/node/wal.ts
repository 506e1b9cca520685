// The write-ahead log: append-only segment files of [u32 length][u32 crc32][payload] records holding
// entry batches and hard states. One synchronous write per batch (group commit); replay on open.
// The segment being written is kept zero-filled ahead of its end, so a batch overwrites blocks the file
// already has and its sync need not commit the filesystem's journal (no size or block change); where the
// data ends, zeros follow, which replay reads as the end of the log.
import { closeSync, constants, existsSync, ftruncateSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { Entry, HardState } from '../raft/types.js';
import { CodecError, Reader, Writer, readEntries, readHardState, writeEntries, writeHardState } from './codec.js';
import { StorageCorruptError } from './errors.js';
import type { Faults } from './faults.js';
import { fsyncDir } from './fsutil.js';

const HEADER_BYTES = 8;
/** Larger than any batch the runtime writes (values are capped at 1 MiB); anything bigger is corruption. */
const MAX_RECORD_BYTES = 256 * 1024 * 1024;
const RECORD_ENTRIES = 1;
const RECORD_HARD_STATE = 2;
/** The log was replaced by a snapshot at (index, term): entries before this record are discarded. */
const RECORD_SNAPSHOT_MARK = 3;
const SEGMENT_SUFFIX = '.wal';
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Zeros kept ahead of the data: half of what this WAL has written since it was opened, between these bounds. */
const MIN_ZERO_AHEAD = 64 * 1024;
const MAX_ZERO_AHEAD = 4 * 1024 * 1024;
/** Zeros go out this much per write, so a batch that reaches them waits for one short write at most. */
const ZERO_CHUNK = 1024 * 1024;
let ZEROS: Buffer | undefined;
/** Each write is durable when it returns (one call instead of write + fdatasync); 0 where the OS lacks it. */
const O_DSYNC: number = constants.O_DSYNC ?? 0;

export interface TornTail {
  file: string;
  offset: number;
  bytes: number;
}

export interface SnapshotBase {
  index: number;
  term: number;
}

export interface WalContents {
  /** The log after the snapshot, after replaying overwrites: entries[i].index === base + i + 1. */
  entries: Entry[];
  /** Index the log continues from: the snapshot's (0 without one). */
  base: number;
  hardState: HardState;
  /** Bytes of records in the segments after any repair (the zeros after the last record not counted). */
  bytes: number;
  /** Set when the final record was torn (a crash mid-write); with repair it has been cut off. */
  tornTail?: TornTail;
  segments: string[];
  /** Highest entry index written in each segment (0 for none): what compaction may delete. */
  segmentMaxIndex: number[];
  /** Where the records of each segment end; the last segment may go on with zeros written ahead. */
  segmentEnds: number[];
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
 * throws StorageCorruptError, because dropping it could lose acknowledged data. Entries covered by the
 * snapshot `snapshot` are skipped; a log that disagrees with the snapshot at its index is discarded
 * (the crash came between writing the snapshot and its mark).
 */
export function scanWal(dir: string, repair: boolean, snapshot?: SnapshotBase): WalContents {
  const segments = listSegments(dir);
  const log: ReplayedLog = { entries: [], base: snapshot?.index ?? 0, divergedAtBase: false, snapshotTerm: snapshot?.term ?? 0 };
  let hardState: HardState = { term: 0, vote: 0, commit: 0 };
  let bytes = 0;
  let tornTail: TornTail | undefined;
  const segmentMaxIndex: number[] = [];
  const segmentEnds: number[] = [];

  segments.forEach((name, segmentIndex) => {
    const file = join(dir, name);
    const data = readFileSync(file);
    const isLast = segmentIndex === segments.length - 1;
    let maxIndex = 0;
    let offset = 0;
    while (offset < data.length) {
      const rest = data.length - offset;
      const length = rest >= HEADER_BYTES ? data.readUInt32LE(offset) : -1;
      // Only zeros after the last record (however few): the space the writer fills ahead, not damage.
      if (isLast && length <= 0 && allZero(data.subarray(offset))) break;
      const end = offset + HEADER_BYTES + Math.max(length, 0);
      let problem: string | undefined;
      if (rest < HEADER_BYTES) problem = 'partial record header';
      else if (length === 0 || length > MAX_RECORD_BYTES) problem = `impossible record length ${length}`;
      else if (end > data.length) problem = `record of ${length} bytes runs past the end of the file`;
      else if (crc32(data.subarray(offset + HEADER_BYTES, end)) !== data.readUInt32LE(offset + 4)) problem = 'checksum mismatch';

      if (problem !== undefined) {
        // Torn tail: the damaged record is the last thing in the last segment, or only zeros follow it (the
        // zeros written ahead, or a filesystem that extended the file before the data reached the disk). A
        // length that reaches past the end while an intact record still follows is a damaged length field,
        // not a torn write: truncating there would silently drop acknowledged records. A zero length before
        // bytes that hold no intact record is damage in the zeros ahead (nothing was written over them).
        const endsFile =
          ((end >= data.length || length === 0) && !intactRecordWithin(data, offset + 1)) ||
          (length > 0 && end < data.length && allZero(data.subarray(end)));
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
        segmentMaxIndex.push(maxIndex);
        segmentEnds.push(offset);
        return;
      }
      try {
        maxIndex = Math.max(maxIndex, applyRecord(data.subarray(offset + HEADER_BYTES, end), log, (state) => (hardState = state)));
      } catch (err) {
        const reason = err instanceof CodecError || err instanceof LogGapError ? err.message : String(err);
        throw new StorageCorruptError(file, offset, `undecodable record: ${reason}`);
      }
      offset = end;
    }
    bytes += offset;
    segmentMaxIndex.push(maxIndex);
    segmentEnds.push(offset);
  });
  if (log.divergedAtBase) log.entries = [];
  const lastIndex = log.base + log.entries.length;
  if (hardState.commit > lastIndex) {
    throw new StorageCorruptError(join(dir, segments.at(-1) ?? ''), bytes, `commit index ${hardState.commit} is past the last entry ${lastIndex}`);
  }
  return { entries: log.entries, base: log.base, hardState, bytes, segments, segmentMaxIndex, segmentEnds, ...(tornTail ? { tornTail } : {}) };
}

class LogGapError extends Error {}

interface ReplayedLog {
  entries: Entry[];
  base: number;
  snapshotTerm: number;
  /** The entry at the snapshot's index has another term: the log before the snapshot is not ours. */
  divergedAtBase: boolean;
}

/** Applies one record to the replayed log; returns the highest entry index it carried (or marked). */
function applyRecord(payload: Uint8Array, log: ReplayedLog, setHardState: (state: HardState) => void): number {
  const reader = new Reader(payload);
  const type = reader.u8();
  let maxIndex = 0;
  if (type === RECORD_ENTRIES) {
    for (const entry of readEntries(reader)) {
      maxIndex = Math.max(maxIndex, entry.index);
      if (entry.index <= log.base) {
        if (entry.index === log.base) log.divergedAtBase = entry.term !== log.snapshotTerm;
        continue;
      }
      // A later append at an existing index replaces that suffix (a new leader overwrote it).
      const position = entry.index - log.base - 1;
      if (position > log.entries.length) {
        throw new LogGapError(`entry index ${entry.index} does not follow ${log.base + log.entries.length}`);
      }
      log.entries.length = position;
      log.entries.push(entry);
    }
  } else if (type === RECORD_HARD_STATE) {
    setHardState(readHardState(reader));
  } else if (type === RECORD_SNAPSHOT_MARK) {
    const index = reader.uint();
    const term = reader.uint();
    if (index >= log.base) {
      log.base = index;
      log.snapshotTerm = term;
      log.entries = [];
      log.divergedAtBase = false;
    }
    maxIndex = index;
  } else {
    throw new CodecError(`unknown record type ${type}`);
  }
  if (!reader.done) throw new CodecError('trailing bytes in record');
  return maxIndex;
}

export interface WalOptions {
  segmentBytes?: number;
  /** Called after every batch's synchronous write with its duration, for metrics and the `wal fsync slow` warning. */
  onFsync?: (durationMs: number, entries: number) => void;
  /** Test-only: WAL writes and fsyncs fail while this says so (src/node/faults.ts). */
  faults?: Pick<Faults, 'storageFault'>;
}

/** The open, writable log. Callers must not overlap append() calls (the runtime persists one Ready at a time). */
export class Wal {
  private handle: FileHandle | undefined;
  private segmentSeq: number;
  /** Where the records of the open segment end: the next batch is written here. */
  private segmentSize: number;
  /** The open segment's file is zeros from segmentSize up to here (durable), or ends at segmentSize. */
  private zeroedTo: number;
  /** Zeros being written from zeroedTo on; a batch that would reach them waits for it. */
  private zeroing: Promise<void> | undefined;
  /** Bytes appended since open, across segments: how far ahead a busy log needs zeros, even in a new segment. */
  private appendedSinceOpen = 0;
  private totalBytes: number;
  private failure: Error | undefined;
  /** Segment names oldest first, with the highest entry index each holds. */
  private readonly segments: { name: string; maxIndex: number }[];
  /** The newest hard state written: every new segment starts with it, so old segments can be deleted. */
  private lastHardState: HardState | undefined;

  private constructor(
    private readonly dir: string,
    private readonly options: WalOptions,
    contents: WalContents,
  ) {
    const lastSegment = contents.segments.at(-1);
    this.segmentSeq = lastSegment === undefined ? 0 : Number(lastSegment.slice(0, 16));
    this.segmentSize = contents.segmentEnds.at(-1) ?? 0;
    this.zeroedTo = lastSegment === undefined ? 0 : Math.max(this.segmentSize, statSync(join(dir, lastSegment)).size);
    this.totalBytes = contents.bytes;
    this.segments = contents.segments.map((name, i) => ({ name, maxIndex: contents.segmentMaxIndex[i] ?? 0 }));
    this.lastHardState = contents.hardState;
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

  /** Replays (repairing a torn tail) on top of `snapshot` and opens the last segment for appending. */
  static async open(dir: string, options: WalOptions = {}, snapshot?: SnapshotBase): Promise<{ wal: Wal; contents: WalContents }> {
    if (!existsSync(dir)) throw new StorageCorruptError(dir, 0, 'the wal directory is missing');
    const contents = scanWal(dir, true, snapshot);
    const wal = new Wal(dir, options, contents);
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
      this.zeroedTo = 0;
      const name = segmentName(this.segmentSeq);
      this.handle = await open(join(this.dir, name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_DSYNC, 0o600);
      this.segments.push({ name, maxIndex: 0 });
      fsyncDir(this.dir);
    } else {
      this.handle = await open(join(this.dir, segmentName(this.segmentSeq)), constants.O_WRONLY | O_DSYNC);
    }
  }

  /**
   * Closes the open segment once no zeros are being written to it. `cutZeros`: end it at its last record
   * first (a full segment: only the last one may hold zeros ahead); a clean stop keeps them for the restart.
   */
  private async closeSegment(cutZeros: boolean): Promise<void> {
    const handle = this.handle;
    this.handle = undefined; // no further chunk of zeros starts on it
    while (this.zeroing !== undefined) await this.zeroing;
    if (handle === undefined) return;
    if (cutZeros && this.zeroedTo > this.segmentSize) {
      await handle.truncate(this.segmentSize);
      await handle.sync();
    }
    await handle.close();
  }

  /**
   * Writes zeros ahead of the data when fewer than half the wanted amount are left, in the background and
   * a chunk at a time: append() goes on below them and waits only for the chunk a batch would reach. A
   * failure (a full disk) costs only the speed-up; the batch itself then extends the file as before.
   */
  private zeroAhead(): void {
    if (this.zeroing !== undefined || this.handle === undefined) return;
    const limit = this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    const ahead = Math.min(MAX_ZERO_AHEAD, Math.max(MIN_ZERO_AHEAD, Math.floor(this.appendedSinceOpen / 2)));
    if (this.zeroedTo - this.segmentSize >= ahead / 2 || this.zeroedTo >= limit) return;
    this.zeroChunks(this.handle, Math.min(limit, this.segmentSize + ahead));
  }

  private zeroChunks(handle: FileHandle, to: number): void {
    const from = this.zeroedTo;
    const end = Math.min(to, from + ZERO_CHUNK);
    if (end <= from || handle !== this.handle) return;
    const chunk = (async () => {
      ZEROS ??= Buffer.alloc(ZERO_CHUNK);
      let written = 0;
      while (written < end - from) written += (await handle.write(ZEROS, 0, end - from - written, from + written)).bytesWritten;
      if (O_DSYNC === 0) await handle.datasync();
    })();
    this.zeroing = chunk.then(
      () => {
        this.zeroedTo = Math.max(this.zeroedTo, end);
        this.zeroing = undefined;
        this.zeroChunks(handle, to);
      },
      () => (this.zeroing = undefined),
    );
  }

  /**
   * Appends a snapshot mark, entries and/or a hard state as one synchronous write (durable when it
   * returns). The mark goes first: the entries that follow it continue the log from the snapshot.
   */
  async append(entries: readonly Entry[], hardState: HardState | undefined, snapshotMark?: SnapshotBase): Promise<void> {
    if (entries.length === 0 && hardState === undefined && snapshotMark === undefined) return;
    if (this.failure !== undefined) throw new Error(`the wal is unusable after an earlier failure (${this.failure.message})`);
    try {
      await this.appendRecords(entries, hardState, snapshotMark);
    } catch (err) {
      // The tail is now unknown (part of a batch may be on disk; a failed fsync may have dropped pages), and
      // the next write would land at a stale offset, e.g. a hard state whose commit covers entries that were
      // never written. Nothing more is appended; a restart repairs the tail.
      this.failure = err as Error;
      throw err;
    }
  }

  private async appendRecords(entries: readonly Entry[], hardState: HardState | undefined, snapshotMark: SnapshotBase | undefined): Promise<void> {
    const records: Buffer[] = [];
    if (snapshotMark !== undefined) records.push(frame(encodeSnapshotMark(snapshotMark)));
    if (entries.length > 0) records.push(frame(encodeEntries(entries)));
    if (hardState !== undefined) records.push(frame(encodeHardState(hardState)));
    if (this.segmentSize > 0 && this.segmentSize + records.reduce((sum, r) => sum + r.length, 0) > (this.options.segmentBytes ?? DEFAULT_SEGMENT_BYTES)) {
      await this.closeSegment(true);
      await this.openSegment(true);
      this.zeroAhead();
      if (hardState === undefined && this.lastHardState !== undefined) records.unshift(frame(encodeHardState(this.lastHardState)));
    }
    const batch = records.length === 1 ? (records[0] as Buffer) : Buffer.concat(records);
    const handle = this.handle;
    if (handle === undefined) throw new Error('wal is closed');
    let written = 0;
    const writeFault = this.options.faults?.storageFault('write');
    if (writeFault !== undefined) throw writeFault;
    // Zeros still being written where this batch goes would land after it: wait for them.
    while (this.zeroing !== undefined && this.segmentSize + batch.length > this.zeroedTo) await this.zeroing;
    const started = performance.now();
    while (written < batch.length) {
      const { bytesWritten } = await handle.write(batch, written, batch.length - written, this.segmentSize + written);
      written += bytesWritten;
    }
    const fsyncFault = this.options.faults?.storageFault('fsync');
    if (fsyncFault !== undefined) throw fsyncFault;
    if (O_DSYNC === 0) await handle.datasync();
    this.options.onFsync?.(performance.now() - started, entries.length);
    this.segmentSize += batch.length;
    this.appendedSinceOpen += batch.length;
    this.zeroedTo = Math.max(this.zeroedTo, this.segmentSize);
    this.zeroAhead();
    this.totalBytes += batch.length;
    if (hardState !== undefined) this.lastHardState = hardState;
    const current = this.segments.at(-1);
    if (current !== undefined) current.maxIndex = Math.max(current.maxIndex, snapshotMark?.index ?? 0, entries.at(-1)?.index ?? 0);
  }

  /**
   * Deletes the oldest segments while every entry in them is at or below `index` (covered by a durable
   * snapshot). Only a prefix goes, and never the segment being written, so replay order is kept.
   */
  removeSegmentsThrough(index: number): number {
    let removed = 0;
    while (this.segments.length > 1 && (this.segments[0]?.maxIndex ?? Infinity) <= index) {
      const segment = this.segments.shift() as { name: string };
      const path = join(this.dir, segment.name);
      this.totalBytes -= statSync(path).size;
      unlinkSync(path);
      removed += 1;
    }
    if (removed > 0) fsyncDir(this.dir);
    return removed;
  }

  async close(): Promise<void> {
    await this.closeSegment(false);
  }
}

function encodeSnapshotMark(mark: SnapshotBase): Uint8Array {
  return new Writer(16).u8(RECORD_SNAPSHOT_MARK).uint(mark.index).uint(mark.term).finish();
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
