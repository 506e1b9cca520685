// The Ready driver's disk on a running node: a leader's snapshot file first, then the entries, the newest
// hard state and the snapshot mark in the WAL as one synchronous write. A commit-only change is not written at
// once (a restarted node relearns its commit index from the leader): it rides along with the next write,
// and flush() records it on a clean stop.
import type { Entry, HardState, Snapshot, SnapshotMeta } from '../raft/types.js';
import type { ReadyDisk, ReadyWrite } from './ready-driver.js';

export interface WalAppender {
  append(entries: readonly Entry[], hardState?: HardState, snapshotMark?: SnapshotMeta): Promise<void>;
}

export class WalDisk implements ReadyDisk {
  /** The newest hard state the core reported, and the one last written to the WAL. */
  private latest: HardState | undefined;
  private written: HardState | undefined;

  constructor(
    private readonly wal: WalAppender,
    /** Makes a leader's snapshot file durable (or adopts the streamed one); throws if it cannot. */
    private readonly saveSnapshot: (snapshot: Snapshot) => void,
    persisted: HardState,
  ) {
    this.written = persisted;
  }

  write(write: ReadyWrite, done: (error?: Error) => void): void {
    if (write.hardState !== undefined) this.latest = write.hardState;
    try {
      // The snapshot's file first, then the WAL mark that makes the log continue after it.
      if (write.snapshot !== undefined) this.saveSnapshot(write.snapshot);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (!write.mustSync) {
      done();
      return;
    }
    const hardState = this.latest;
    this.wal.append(write.entries, hardState, write.snapshot?.meta).then(
      () => {
        if (hardState !== undefined) this.written = hardState;
        done();
      },
      (err: unknown) => done(err as Error),
    );
  }

  /** On a clean stop: records the final commit index, so a restart replays everything this node applied. */
  async flush(): Promise<void> {
    if (this.latest !== undefined && this.latest !== this.written) await this.wal.append([], this.latest);
  }
}
