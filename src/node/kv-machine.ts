// The replicated key-value state machine as the Ready driver sees it: committed entries applied to the
// KvStore in log order, leader snapshots restored, and the committed membership checkpointed to
// membership.json (a readable copy for operators and offline tools; the log stays the truth).
import { applyChange } from '../raft/index.js';
import type { Entry, Membership, Snapshot } from '../raft/types.js';
import { KvStore } from './kv.js';
import type { Logger } from './logger.js';
import type { ReadyStateMachine } from './ready-driver.js';

export interface MembershipCheckpoint {
  saveMembership(membership: Membership, index: number): void;
}

export interface KvStateMachineStart {
  /** The snapshot the node starts from, if any: the state and membership as of its index. */
  snapshot?: Snapshot;
  /** Index of the conf change membership.json already reflects. */
  membershipSavedAt: number;
}

export class KvStateMachine implements ReadyStateMachine {
  readonly kv = new KvStore();
  /** The committed membership as of the applied index: what a snapshot records. */
  private membership: Membership = { voters: [], learners: [] };
  private membershipSavedAt: number;

  constructor(
    private readonly checkpoint: MembershipCheckpoint,
    private readonly logger: Logger,
    start: KvStateMachineStart,
  ) {
    this.membershipSavedAt = start.membershipSavedAt;
    if (start.snapshot !== undefined) {
      this.kv.restore(start.snapshot.data, start.snapshot.meta.index);
      this.membership = start.snapshot.meta.membership;
    }
  }

  get appliedMembership(): Membership {
    return this.membership;
  }

  applied(): number {
    return this.kv.applied();
  }

  apply(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.type === 'normal') {
        this.kv.apply(entry.index, entry.data);
        continue;
      }
      this.kv.apply(entry.index, undefined);
      this.membership = applyChange(this.membership, entry.change);
      // A restart replays changes membership.json already has; the core logs the change itself.
      if (entry.index > this.membershipSavedAt) {
        this.membershipSavedAt = entry.index;
        this.checkpoint.saveMembership(this.membership, entry.index);
      }
    }
  }

  restore(snapshot: Snapshot): void {
    this.kv.restore(snapshot.data, snapshot.meta.index);
    this.membership = snapshot.meta.membership;
    this.membershipSavedAt = snapshot.meta.index;
    this.checkpoint.saveMembership(snapshot.meta.membership, snapshot.meta.index);
    this.logger.info('snapshot installed', { index: snapshot.meta.index, snapshot_term: snapshot.meta.term, bytes: snapshot.data.length });
  }
}
