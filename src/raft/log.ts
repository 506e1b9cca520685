// The node's view of the log: what Storage holds (stable) plus what was appended but is not yet
// persisted (unstable), and the commit and applied marks over both.

import { CompactedError, limitSize, type Storage } from './storage.js';
import type { Entry, Snapshot } from './types.js';

export class RaftLog {
  /** Entries not yet persisted; unstable[0] has index unstableOffset. */
  private unstable: Entry[] = [];
  private unstableOffset: number;
  /** A snapshot received from the leader and not yet persisted. */
  pendingSnapshot: Snapshot | undefined;
  committed: number;
  applied: number;

  constructor(readonly storage: Storage) {
    this.unstableOffset = storage.lastIndex() + 1;
    // Entries before the snapshot may still be stored (compaction can lag), but they are applied.
    const snapshotIndex = storage.snapshot().meta.index;
    this.committed = snapshotIndex;
    this.applied = snapshotIndex;
  }

  firstIndex(): number {
    if (this.pendingSnapshot !== undefined) return this.pendingSnapshot.meta.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.unstable.length > 0) return this.unstableOffset + this.unstable.length - 1;
    if (this.pendingSnapshot !== undefined) return this.pendingSnapshot.meta.index;
    return this.storage.lastIndex();
  }

  /** The term at index i, or undefined when i is compacted or past the end. */
  term(i: number): number | undefined {
    if (i === 0) return 0;
    if (i >= this.unstableOffset) return this.unstable[i - this.unstableOffset]?.term;
    const snap = this.pendingSnapshot;
    if (snap !== undefined) return i === snap.meta.index ? snap.meta.term : undefined;
    if (i < this.storage.firstIndex() - 1 || i > this.storage.lastIndex()) return undefined;
    return this.storage.term(i);
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Raft's election restriction: is a log ending at (lastIndex, lastTerm) at least as up to date? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourTerm = this.lastTerm();
    return lastTerm > ourTerm || (lastTerm === ourTerm && lastIndex >= this.lastIndex());
  }

  /** Entries [lo, hi) capped at maxBytes; undefined when lo is compacted (send a snapshot). */
  slice(lo: number, hi: number, maxBytes?: number): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined;
    let result: Entry[] = [];
    if (lo < this.unstableOffset) {
      try {
        result = this.storage.entries(lo, Math.min(hi, this.unstableOffset), maxBytes);
      } catch (error) {
        if (error instanceof CompactedError) return undefined;
        throw error;
      }
      if (result.length < Math.min(hi, this.unstableOffset) - lo) return result;
    }
    if (hi > this.unstableOffset) {
      const from = Math.max(lo, this.unstableOffset) - this.unstableOffset;
      result = result.concat(this.unstable.slice(from, hi - this.unstableOffset));
    }
    return limitSize(result, maxBytes);
  }

  /** Append entries that follow a matching prefix, truncating any conflicting suffix. */
  append(entries: Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index <= this.committed) {
      throw new Error(`refusing to overwrite committed index ${first.index} (commit ${this.committed})`);
    }
    if (first.index === this.unstableOffset + this.unstable.length) {
      this.unstable.push(...entries);
    } else if (first.index <= this.unstableOffset) {
      // Replacing stable entries: the Ready tells the runtime to truncate its log from here.
      this.unstableOffset = first.index;
      this.unstable = [...entries];
    } else {
      this.unstable = this.unstable.slice(0, first.index - this.unstableOffset).concat(entries);
    }
  }

  /** The first entry of `entries` whose term differs from ours (or that we lack), if any. */
  findConflict(entries: Entry[]): Entry | undefined {
    return entries.find((entry) => !this.matchTerm(entry.index, entry.term));
  }

  /**
   * The first (index, term) a leader's append asserts at or below our commit index that our log contradicts:
   * obeying it would overwrite a committed entry, which Raft never does (Log Matching, §5.3), so a leader that
   * asks for it belongs to another history (another cluster, a restored old copy). Undefined when nothing
   * conflicts, or when the entry here is compacted away and cannot be compared.
   */
  committedConflict(prevIndex: number, prevTerm: number, entries: readonly Entry[]): { index: number; term: number; localTerm: number } | undefined {
    for (const claim of [{ index: prevIndex, term: prevTerm }, ...entries]) {
      if (claim.index === 0 || claim.index > this.committed) continue;
      const local = this.term(claim.index);
      if (local !== undefined && local !== claim.term) return { index: claim.index, term: claim.term, localTerm: local };
    }
    return undefined;
  }

  /**
   * For fast back-off: the largest index at or below `index` whose term is at or below `term`,
   * with its term. Everything above it cannot match a log whose entry at `index` has `term`.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = Math.min(index, this.lastIndex()); i >= 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /**
   * Accept a leader's append after (prevIndex, prevTerm). Returns the last index now known to match
   * the leader and the entries actually written (the suffix from the first conflict on), or
   * undefined when our log does not contain (prevIndex, prevTerm).
   */
  maybeAppend(
    prevIndex: number,
    prevTerm: number,
    commit: number,
    entries: Entry[],
  ): { lastNew: number; appended: Entry[] } | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNew = prevIndex + entries.length;
    const conflict = this.findConflict(entries);
    const appended = conflict === undefined ? [] : entries.slice(conflict.index - prevIndex - 1);
    this.append(appended);
    this.commitTo(Math.min(commit, lastNew));
    return { lastNew, appended };
  }

  commitTo(index: number): boolean {
    if (index <= this.committed) return false;
    if (index > this.lastIndex()) {
      throw new Error(`commit ${index} is past the last index ${this.lastIndex()}`);
    }
    this.committed = index;
    return true;
  }

  appliedTo(index: number): void {
    if (index > this.committed || index < this.applied) {
      throw new Error(`applied ${index} outside (${this.applied}, ${this.committed}]`);
    }
    this.applied = index;
  }

  hasNextCommittedEntries(): boolean {
    return this.committed > this.applied;
  }

  nextCommittedEntries(maxBytes?: number): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    return this.slice(this.applied + 1, this.committed + 1, maxBytes) ?? [];
  }

  hasUnstableEntries(): boolean {
    return this.unstable.length > 0;
  }

  unstableEntries(): Entry[] {
    return this.unstable.slice();
  }

  /** The runtime persisted entries up to (index, term): they now live in Storage. */
  stableTo(index: number, term: number): void {
    if (index < this.unstableOffset) return;
    const entry = this.unstable[index - this.unstableOffset];
    // A later append may have replaced this entry; then it is still unstable.
    if (entry === undefined || entry.term !== term) return;
    this.unstable = this.unstable.slice(index - this.unstableOffset + 1);
    this.unstableOffset = index + 1;
  }

  /** The last index whose entry in this log is already durable: Storage up to where the unstable suffix starts. */
  stableLastIndex(): number {
    if (this.pendingSnapshot !== undefined) return 0;
    return Math.min(this.storage.lastIndex(), this.unstableOffset - 1);
  }

  stableSnapshotTo(index: number): void {
    if (this.pendingSnapshot?.meta.index === index) this.pendingSnapshot = undefined;
  }

  /** Replace the log with a snapshot from the leader. */
  restore(snapshot: Snapshot): void {
    this.pendingSnapshot = snapshot;
    this.unstable = [];
    this.unstableOffset = snapshot.meta.index + 1;
    this.committed = snapshot.meta.index;
    this.applied = Math.max(this.applied, snapshot.meta.index);
  }
}
