// The leader's view of one follower: how far its log matches, what to send next, and how many
// appends may be in flight.

import type { NodeId } from './types.js';

export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A bounded window of in-flight appends, each remembered by its last index. */
export class Inflights {
  private readonly lastIndexes: number[] = [];

  constructor(readonly capacity: number) {}

  get full(): boolean {
    return this.lastIndexes.length >= this.capacity;
  }

  get count(): number {
    return this.lastIndexes.length;
  }

  add(lastIndex: number): void {
    this.lastIndexes.push(lastIndex);
  }

  /** Acknowledge every append whose last index is at or below `index`. */
  freeUpTo(index: number): void {
    let keep = 0;
    while (keep < this.lastIndexes.length && (this.lastIndexes[keep] ?? 0) <= index) keep++;
    this.lastIndexes.splice(0, keep);
  }

  /** Give up on the oldest append (its answer may be lost) so one more can go out. */
  freeFirst(): void {
    this.lastIndexes.shift();
  }

  reset(): void {
    this.lastIndexes.length = 0;
  }
}

export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and we wait for its answer (or a heartbeat response). */
  probeSent = false;
  /** In snapshot state: the index of the snapshot we sent. */
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state, so a lost snapshot is retried instead of waited on forever. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** The commit index the last append to this member carried (see leader.ts sendCommit). */
  sentCommit = 0;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    maxInflight: number,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  private resetState(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    // After a snapshot, the follower has at least the snapshot; start probing right after it.
    const from = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.resetState('probe');
    this.next = from;
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
  }

  /** The follower acknowledged up to `index`; false if that is old news. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, index + 1);
    return updated;
  }

  /**
   * The follower rejected an append whose previous index was `rejected`; `probeFrom` is where the
   * hints say the logs may agree. False when the rejection is stale (an answer to an older append).
   */
  maybeDecreaseTo(rejected: number, probeFrom: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probeFrom + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  get paused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full;
      case 'snapshot':
        return true;
    }
  }
}
