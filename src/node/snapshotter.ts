// The node's own snapshots, taken without stalling the event loop: the state machine is captured at the
// applied index (copy-on-write, src/node/kv.ts), encoded a piece per turn of the loop, written and fsynced
// as a temp file in the thread pool; only then, back between two Readies, is it renamed into place and the
// log compacted in memory, and once the rename is durable the WAL segments it covers are deleted.
import { renameSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { formatDuration } from '../shared/duration.js';
import type { MemoryStorage } from '../raft/index.js';
import type { Membership, SnapshotMeta } from '../raft/types.js';
import type { Faults } from './faults.js';
import { fsyncDirAsync } from './fsutil.js';
import type { KvCapture, KvStore } from './kv.js';
import type { Logger } from './logger.js';
import { frameSnapshot, SNAPSHOT_FILE, type FramedSnapshot } from './snapshot-file.js';
import type { Wal } from './wal.js';

/** Where the snapshot being taken is written. Its own name: a leader's snapshot may be written meanwhile. */
export const LOCAL_SNAPSHOT_TEMP = '.snapshot.bin.local.tmp';
/** Keys and values encoded per turn of the event loop (about a millisecond of work). */
const ENCODE_PIECE_BYTES = 256 * 1024;
/** Bytes assembled and checksummed per turn of the event loop. */
const COPY_PIECE_BYTES = 2 * 1024 * 1024;
/**
 * Bytes written between two fdatasyncs: flushing the file a little at a time keeps the disk queue short,
 * so the WAL's own synchronous writes do not wait behind one flush of the whole snapshot.
 */
const FLUSH_PIECE_BYTES = 1024 * 1024;
const HOLD_POLL_MS = 50;

export interface SnapshotSettings {
  snapshotEntries: number;
  snapshotWalBytes: number;
  snapshotTrailing: number;
  walSegmentBytes: number;
  /** Test-only: holds a snapshot before it is renamed into place (src/node/faults.ts). */
  faults?: Pick<Faults, 'holdsSnapshot'>;
}

/**
 * writing: encoding and writing the temp file (thread pool); written: the temp file is durable, waiting
 * for the runtime to rename it; syncing: renamed and compacted in memory, the directory being fsynced;
 * synced: the rename is durable, WAL segments may go; abandoned / failed: to be reported by the runtime.
 */
type Phase = 'writing' | 'written' | 'syncing' | 'synced' | 'abandoned' | 'failed';

interface Job {
  meta: SnapshotMeta;
  trigger: 'entries' | 'wal-size';
  started: number;
  capture: KvCapture;
  phase: Phase;
  /** The whole file once written; the data (after the head) becomes the storage's snapshot data. */
  file?: Buffer;
  dataOffset: number;
  dataBytes: number;
  compactTo?: number;
  reason?: string;
  error?: Error;
  stopping: boolean;
  work: Promise<void>;
}

export class Snapshotter {
  private job: Job | undefined;
  /** WAL size right after the last compaction: the size trigger waits for a segment's worth more. */
  private walBytesAfterSnapshot = 0;
  private readonly tempPath: string;

  constructor(
    private readonly dir: string,
    private readonly settings: SnapshotSettings,
    private readonly logger: Logger,
    /** Asks the runtime for a step() soon: the job moved on. */
    private readonly wake: () => void,
  ) {
    this.tempPath = join(dir, LOCAL_SNAPSHOT_TEMP);
    // Left by a crash mid-write: snapshot.bin still holds the previous snapshot, the WAL everything after it.
    rmSync(this.tempPath, { force: true });
  }

  /**
   * Runs between two Readies (never during one): publishes or finishes the snapshot in flight when its
   * write moved on, or starts one when due. At most one is in flight. Throws if writing it failed.
   */
  step(storage: MemoryStorage, wal: Wal, kv: KvStore, membership: Membership): void {
    const job = this.job;
    if (job?.phase === 'written') this.publish(job, storage);
    if (job !== undefined) {
      if (job.phase === 'writing' || job.phase === 'syncing') return;
      this.job = undefined;
      if (job.phase === 'failed') throw job.error ?? new Error('snapshot write failed');
      if (job.phase === 'synced') this.finish(job, storage, wal);
      else this.logger.info('snapshot abandoned', { index: job.meta.index, reason: job.reason ?? 'unknown' });
    }
    this.maybeStart(storage, wal, kv, membership);
  }

  /**
   * Snapshot when `snapshotEntries` entries were applied since the last snapshot, or when the WAL reached
   * `snapshotWalBytes` (large entries). Compaction frees whole segments only: until another segment's
   * worth was written since the last snapshot, a new one could not shrink the WAL either, so a WAL held
   * above the limit does not loop.
   */
  private maybeStart(storage: MemoryStorage, wal: Wal, kv: KvStore, membership: Membership): void {
    const applied = kv.applied();
    const sinceSnapshot = applied - storage.snapshot().meta.index;
    if (sinceSnapshot <= 0) return;
    const byEntries = sinceSnapshot >= this.settings.snapshotEntries;
    const byWalSize = wal.bytes >= this.settings.snapshotWalBytes && wal.bytes >= this.walBytesAfterSnapshot + this.settings.walSegmentBytes;
    if (!byEntries && !byWalSize) return;
    const job: Job = {
      meta: { index: applied, term: storage.term(applied), membership: structuredClone(membership) },
      trigger: byEntries ? 'entries' : 'wal-size',
      started: performance.now(),
      capture: kv.beginCapture(),
      phase: 'writing',
      dataOffset: 0,
      dataBytes: 0,
      stopping: false,
      work: Promise.resolve(),
    };
    this.job = job;
    job.work = this.write(job)
      .catch((err: unknown) => {
        job.phase = 'failed';
        job.error = err as Error;
      })
      .finally(() => {
        job.capture.release();
        this.wake();
      });
  }

  /** Encodes the capture a piece per turn, then writes and fsyncs the temp file off the event loop. */
  private async write(job: Job): Promise<void> {
    const pieces: Uint8Array[] = [];
    let dataLength = 0;
    for (;;) {
      if (job.stopping || !job.capture.usable) return this.abandon(job, job.stopping ? 'the node is stopping' : 'a snapshot from the leader was installed');
      const piece = job.capture.encodeNext(ENCODE_PIECE_BYTES);
      if (piece === undefined) break;
      pieces.push(piece);
      dataLength += piece.length;
      await nextTurn();
    }
    job.capture.release();
    const framing = frameSnapshot(job.meta, pieces, dataLength);
    let framed: FramedSnapshot | undefined;
    for (let sinceTurn = 0; framed === undefined; ) {
      const step = framing.next();
      if (step.done === true) framed = step.value;
      else if ((sinceTurn += step.value) >= COPY_PIECE_BYTES) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
    pieces.length = 0;
    const { file, dataOffset } = framed;

    const handle = await open(this.tempPath, 'w', 0o600);
    let durable = false;
    try {
      let written = 0;
      while (written < file.length) {
        written += (await handle.write(file, written, Math.min(FLUSH_PIECE_BYTES, file.length - written), written)).bytesWritten;
        if (written < file.length) await handle.datasync();
      }
      await handle.sync();
      durable = true;
    } finally {
      await handle.close();
      if (!durable) rmSync(this.tempPath, { force: true });
    }
    while (this.settings.faults?.holdsSnapshot() === true && !job.stopping) await sleep(HOLD_POLL_MS);
    if (job.stopping) return this.abandon(job, 'the node is stopping');
    job.file = file;
    job.dataOffset = dataOffset;
    job.dataBytes = dataLength;
    job.phase = 'written';
  }

  private abandon(job: Job, reason: string): void {
    rmSync(this.tempPath, { force: true });
    job.phase = 'abandoned';
    job.reason = reason;
  }

  /**
   * Renames the durable temp file to snapshot.bin, synchronously between Readies, so it cannot land after
   * (and over) a newer snapshot from the leader: if one was installed meanwhile, this one is dropped.
   */
  private publish(job: Job, storage: MemoryStorage): void {
    const file = job.file as Buffer;
    job.file = undefined;
    if (storage.snapshot().meta.index >= job.meta.index) return this.abandon(job, 'a newer snapshot was installed');
    renameSync(this.tempPath, join(this.dir, SNAPSHOT_FILE));
    storage.createSnapshot(job.meta.index, job.meta.membership, file.subarray(job.dataOffset));
    // The log in memory may go now (the WAL still holds it); WAL segments only once the rename is durable.
    const compactTo = job.meta.index - this.settings.snapshotTrailing;
    if (compactTo >= storage.firstIndex()) {
      storage.compact(compactTo);
      job.compactTo = compactTo;
    }
    job.phase = 'syncing';
    job.work = fsyncDirAsync(this.dir)
      .then(() => {
        job.phase = 'synced';
      })
      .catch((err: unknown) => {
        job.phase = 'failed';
        job.error = err as Error;
      })
      .finally(() => this.wake());
  }

  private finish(job: Job, storage: MemoryStorage, wal: Wal): void {
    const segmentsRemoved = job.compactTo !== undefined ? wal.removeSegmentsThrough(job.compactTo) : 0;
    this.walBytesAfterSnapshot = wal.bytes;
    this.logger.info('snapshot taken', {
      index: job.meta.index,
      bytes: job.dataBytes,
      trigger: job.trigger,
      compacted_to: storage.firstIndex() - 1,
      segments_removed: segmentsRemoved,
      wal_bytes: wal.bytes,
      duration: formatDuration(performance.now() - job.started),
    });
  }

  /** Stops the snapshot in flight at its next step (or lets its directory fsync end); its temp file goes. */
  async close(): Promise<void> {
    const job = this.job;
    if (job === undefined) return;
    job.stopping = true;
    await job.work;
    if (job.phase === 'written') this.abandon(job, 'the node is stopping');
    if (job.phase === 'abandoned') this.logger.info('snapshot abandoned', { index: job.meta.index, reason: job.reason ?? 'unknown' });
    this.job = undefined;
  }
}
