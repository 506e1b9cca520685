// The memberships a node's log describes: the snapshot's, then one per conf-change entry after it.
// The newest is in effect as soon as its entry is appended (see Raft's membership field); a
// truncation of the log reverts to the one before.

import { applyChange } from './membership.js';
import { cloneMembership } from './storage.js';
import type { ConfChange, Entry, Membership, SnapshotMeta } from './types.js';

/** A conf-change entry in the log after the snapshot, with the membership it produces. */
export interface ConfPoint {
  index: number;
  change: ConfChange;
  membership: Membership;
}

export class MembershipLog {
  private base: Membership;
  private baseIndex: number;
  private points: ConfPoint[] = [];
  /** The highest conf-change index already handed out by takeCommitted(). */
  private reportedIndex: number;

  constructor(snapshotMembership: Membership, snapshotIndex: number) {
    this.base = cloneMembership(snapshotMembership);
    this.baseIndex = snapshotIndex;
    this.reportedIndex = snapshotIndex;
  }

  /** The membership in effect: the newest in the log. */
  get current(): Membership {
    return this.points[this.points.length - 1]?.membership ?? this.base;
  }

  /** The membership before the newest change (the current one when there is no change after the snapshot). */
  get previous(): Membership {
    return this.points[this.points.length - 2]?.membership ?? this.base;
  }

  /** A conf change is in the log above `commit`. */
  pending(commit: number): boolean {
    const last = this.points[this.points.length - 1];
    return last !== undefined && last.index > commit;
  }

  /**
   * Record the conf changes among entries just written to the log (which replaced any suffix from
   * entries[0].index on). True when the membership in effect may have changed.
   */
  appended(entries: readonly Entry[]): boolean {
    const first = entries[0];
    if (first === undefined) return false;
    const before = this.points.length;
    this.points = this.points.filter((p) => p.index < first.index);
    let changed = this.points.length !== before;
    for (const entry of entries) {
      if (entry.type !== 'conf-change' || entry.index <= this.baseIndex) continue;
      this.points.push({ index: entry.index, change: entry.change, membership: applyChange(this.current, entry.change) });
      changed = true;
    }
    return changed;
  }

  /** Conf changes already committed when the node starts are not reported again. */
  markReported(commit: number): void {
    this.reportedIndex = Math.max(this.reportedIndex, commit);
  }

  /** The conf changes committed up to `commit` that were not handed out before, oldest first. */
  takeCommitted(commit: number): ConfPoint[] {
    const fresh = this.points.filter((p) => p.index > this.reportedIndex && p.index <= commit);
    const last = fresh[fresh.length - 1];
    if (last !== undefined) this.reportedIndex = last.index;
    return fresh;
  }

  /** The log was replaced by a snapshot: its membership is now the base, and nothing follows it. */
  restore(meta: SnapshotMeta): void {
    this.base = cloneMembership(meta.membership);
    this.baseIndex = meta.index;
    this.points = [];
    this.reportedIndex = meta.index;
  }
}
