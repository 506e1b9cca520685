// The stable log the core reads from (Storage) and an in-memory implementation that both the
// simulator and the runtime use; the runtime writes its WAL first, then mirrors the write here.

import type { Entry, HardState, Membership, Snapshot } from './types.js';

/** The entry at this index was discarded by compaction; the reader needs a snapshot instead. */
export class CompactedError extends Error {
  constructor(index: number) {
    super(`index ${index} is compacted`);
    this.name = 'CompactedError';
  }
}

/** The entry at this index is not in the log (past its end). */
export class UnavailableError extends Error {
  constructor(index: number) {
    super(`index ${index} is unavailable`);
    this.name = 'UnavailableError';
  }
}

export interface InitialState {
  hardState: HardState;
  /** The membership as of the snapshot (empty without one); the core replays conf changes on top. */
  membership: Membership;
}

export interface Storage {
  initialState(): InitialState;
  /** Entries [lo, hi), at most maxBytes (but always at least one). Throws CompactedError/UnavailableError. */
  entries(lo: number, hi: number, maxBytes?: number): Entry[];
  /** Term of the entry at i; valid for firstIndex()-1 (the snapshot) through lastIndex(). */
  term(i: number): number;
  firstIndex(): number;
  lastIndex(): number;
  snapshot(): Snapshot;
}

export const emptyMembership = (): Membership => ({ voters: [], learners: [] });

export const emptyHardState = (): HardState => ({ term: 0, vote: 0, commit: 0 });

/** A rough wire size, used only to bound append messages. */
export function entrySize(entry: Entry): number {
  return entry.type === 'normal' ? entry.data.length + 24 : 64;
}

/** Take entries from the front while they fit in maxBytes, always keeping the first. */
export function limitSize(entries: Entry[], maxBytes: number | undefined): Entry[] {
  if (maxBytes === undefined || entries.length === 0) return entries;
  let size = 0;
  let count = 0;
  for (const entry of entries) {
    size += entrySize(entry);
    if (count > 0 && size > maxBytes) break;
    count++;
  }
  return entries.slice(0, count);
}

export class MemoryStorage implements Storage {
  private hardState: HardState = emptyHardState();
  private snap: Snapshot = {
    meta: { index: 0, term: 0, membership: emptyMembership() },
    data: new Uint8Array(0),
  };
  /** Index and term of the entry just before log[0] (the compaction point). */
  private prevIndex = 0;
  private prevTerm = 0;
  private log: Entry[] = [];

  initialState(): InitialState {
    return { hardState: { ...this.hardState }, membership: cloneMembership(this.snap.meta.membership) };
  }

  setHardState(hardState: HardState): void {
    this.hardState = { ...hardState };
  }

  entries(lo: number, hi: number, maxBytes?: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError(lo);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1);
    const offset = this.prevIndex + 1;
    return limitSize(this.log.slice(lo - offset, hi - offset), maxBytes);
  }

  term(i: number): number {
    if (i < this.prevIndex) throw new CompactedError(i);
    if (i === this.prevIndex) return this.prevTerm;
    const entry = this.log[i - this.prevIndex - 1];
    if (entry === undefined) throw new UnavailableError(i);
    return entry.term;
  }

  firstIndex(): number {
    return this.prevIndex + 1;
  }

  lastIndex(): number {
    return this.prevIndex + this.log.length;
  }

  snapshot(): Snapshot {
    return this.snap;
  }

  /** Append entries, first discarding any stored suffix from entries[0].index on. */
  append(entries: Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    if (first.index > this.lastIndex() + 1) {
      throw new Error(`append at ${first.index} leaves a gap after ${this.lastIndex()}`);
    }
    // Entries at or below the compaction point are committed and identical; skip them.
    const fresh = entries.filter((entry) => entry.index > this.prevIndex);
    const start = fresh[0];
    if (start === undefined) return;
    const keep = start.index - this.prevIndex - 1;
    if (keep < this.log.length) this.log.length = keep;
    for (const entry of fresh) this.log.push(entry);
  }

  /** Replace the whole log with a snapshot (a follower catching up from the leader's snapshot). */
  applySnapshot(snapshot: Snapshot): void {
    if (snapshot.meta.index <= this.snap.meta.index) return;
    this.snap = snapshot;
    this.prevIndex = snapshot.meta.index;
    this.prevTerm = snapshot.meta.term;
    this.log = [];
  }

  /** Record a snapshot of the state applied up to `index`; compact() may then drop what it covers. */
  createSnapshot(index: number, membership: Membership, data: Uint8Array): Snapshot {
    if (index <= this.snap.meta.index) return this.snap;
    if (index > this.lastIndex()) throw new UnavailableError(index);
    this.snap = { meta: { index, term: this.term(index), membership: cloneMembership(membership) }, data };
    return this.snap;
  }

  /** Drop entries up to and including `index`, which the snapshot must cover. */
  compact(index: number): void {
    if (index <= this.prevIndex) return;
    if (index > this.snap.meta.index) {
      throw new Error(`cannot compact to ${index}: the snapshot only covers ${this.snap.meta.index}`);
    }
    this.prevTerm = this.term(index);
    this.log = this.log.slice(index - this.prevIndex);
    this.prevIndex = index;
  }
}

export function cloneMembership(membership: Membership): Membership {
  return {
    voters: membership.voters.map((m) => ({ ...m })),
    learners: membership.learners.map((m) => ({ ...m })),
  };
}
