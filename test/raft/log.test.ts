// Table tests of RaftLog: the stable log (Storage) plus the unstable suffix, and the commit and
// applied marks over both.

import { describe, expect, it } from 'vitest';
import { RaftLog } from '../../src/raft/log.js';
import { MemoryStorage } from '../../src/raft/storage.js';
import type { Entry, Snapshot } from '../../src/raft/types.js';

/** Entries at consecutive indexes from `from`, one per term given. */
function entries(from: number, terms: number[]): Entry[] {
  return terms.map((term, i) => ({ type: 'normal', term, index: from + i, data: new Uint8Array([i]) }));
}

/** A log whose storage holds `stable` terms (indexes 1..) and whose unstable suffix holds `unstable` terms. */
function log(stable: number[], unstable: number[] = []): RaftLog {
  const storage = new MemoryStorage();
  storage.append(entries(1, stable));
  const l = new RaftLog(storage);
  l.append(entries(stable.length + 1, unstable));
  return l;
}

const terms = (es: Entry[] | undefined): number[] | undefined => es?.map((e) => e.term);

describe('RaftLog', () => {
  it.each<[string, number[], number[], number, number]>([
    ['empty', [], [], 0, 0],
    ['stable only', [1, 1, 2], [], 3, 2],
    ['unstable only', [], [1, 2], 2, 2],
    ['both', [1, 1], [2, 3], 4, 3],
  ])('last index and term: %s', (_name, stable, unstable, lastIndex, lastTerm) => {
    const l = log(stable, unstable);
    expect(l.lastIndex()).toBe(lastIndex);
    expect(l.lastTerm()).toBe(lastTerm);
  });

  it.each<[string, number, number | undefined]>([
    ['index 0 has term 0', 0, 0],
    ['a stable entry', 2, 1],
    ['an unstable entry', 4, 3],
    ['past the end', 5, undefined],
  ])('term: %s', (_name, index, expected) => {
    expect(log([1, 1], [2, 3]).term(index)).toBe(expected);
  });

  // Our log: terms [1, 1, 2, 2]. The candidate's last (index, term) against it (§5.4.1).
  it.each<[number, number, boolean]>([
    [4, 2, true],
    [5, 2, true],
    [3, 2, false],
    [1, 3, true],
    [9, 1, false],
    [0, 0, false],
  ])('isUpToDate(%i, %i) is %s', (lastIndex, lastTerm, expected) => {
    expect(log([1, 1, 2, 2]).isUpToDate(lastIndex, lastTerm)).toBe(expected);
  });

  describe('maybeAppend', () => {
    // Our log: terms [1, 2, 3], commit 1. The leader sends (prevIndex, prevTerm, commit, entries).
    it.each<[string, number, number, number, number[], number[], number | undefined, number]>([
      ['prev does not match', 3, 2, 3, [4], [1, 2, 3], undefined, 1],
      ['prev past our end', 4, 3, 4, [4], [1, 2, 3], undefined, 1],
      ['heartbeat-like: nothing new', 3, 3, 3, [], [1, 2, 3], 3, 3],
      ['new entries at the end', 3, 3, 4, [4, 4], [1, 2, 3, 4, 4], 5, 4],
      ['entries we already hold', 1, 1, 2, [2, 3], [1, 2, 3], 3, 2],
      ['a conflict truncates our suffix', 1, 1, 2, [4], [1, 4], 2, 2],
      ['commit is capped at the last new entry', 1, 1, 9, [2], [1, 2, 3], 2, 2],
    ])('%s', (_name, prevIndex, prevTerm, commit, newTerms, after, lastNew, committed) => {
      const l = log([1, 2, 3]);
      l.commitTo(1);
      const result = l.maybeAppend(prevIndex, prevTerm, commit, entries(prevIndex + 1, newTerms));
      expect(result?.lastNew).toBe(lastNew);
      expect(terms(l.slice(1, l.lastIndex() + 1))).toEqual(after);
      expect(l.committed).toBe(committed);
    });

    it('refuses to overwrite a committed entry', () => {
      const l = log([1, 2, 3]);
      l.commitTo(2);
      expect(() => l.maybeAppend(1, 1, 2, entries(2, [5]))).toThrow(/committed/);
    });

    it('reports only the entries it wrote (from the first conflict on)', () => {
      const l = log([1, 2, 3]);
      const result = l.maybeAppend(0, 0, 0, entries(1, [1, 2, 4, 4]));
      expect(result?.appended.map((e) => e.index)).toEqual([3, 4]);
      expect(l.unstableEntries().map((e) => e.index)).toEqual([3, 4]);
    });
  });

  // Our log: terms [1, 1, 2, 2, 3]. The hint for a rejected append at (index, term).
  it.each<[number, number, { index: number; term: number }]>([
    [5, 3, { index: 5, term: 3 }],
    [5, 2, { index: 4, term: 2 }],
    [5, 1, { index: 2, term: 1 }],
    [3, 1, { index: 2, term: 1 }],
    [9, 2, { index: 4, term: 2 }],
    [2, 0, { index: 0, term: 0 }],
  ])('findConflictByTerm(%i, %i)', (index, term, expected) => {
    expect(log([1, 1, 2, 2, 3]).findConflictByTerm(index, term)).toEqual(expected);
  });

  it.each<[string, number, number, number[] | undefined]>([
    ['stable', 1, 3, [1, 1]],
    ['across stable and unstable', 2, 5, [1, 2, 2]],
    ['unstable', 4, 5, [2]],
    ['empty range', 3, 3, []],
  ])('slice: %s', (_name, lo, hi, expected) => {
    expect(terms(log([1, 1], [2, 2]).slice(lo, hi))).toEqual(expected);
  });

  it('slice of a compacted index is undefined (send a snapshot instead)', () => {
    const storage = new MemoryStorage();
    storage.append(entries(1, [1, 1, 1]));
    storage.createSnapshot(2, { voters: [], learners: [] }, new Uint8Array(0));
    storage.compact(2);
    const l = new RaftLog(storage);
    expect(l.slice(1, 4)).toBeUndefined();
    expect(terms(l.slice(3, 4))).toEqual([1]);
  });

  describe('stable and unstable', () => {
    it('stableTo moves entries to stable only if the term still matches', () => {
      const l = log([1], [2, 2]);
      l.stableTo(2, 1);
      expect(l.unstableEntries().map((e) => e.index)).toEqual([2, 3]);
      l.stableTo(2, 2);
      expect(l.unstableEntries().map((e) => e.index)).toEqual([3]);
    });

    it('an append that replaces stable entries starts the unstable suffix there', () => {
      const l = log([1, 1, 1]);
      l.append(entries(2, [2]));
      expect(l.unstableEntries().map((e) => [e.index, e.term])).toEqual([[2, 2]]);
      expect(l.lastIndex()).toBe(2);
      expect(l.stableLastIndex()).toBe(1);
    });

    it('restore from a snapshot replaces everything and sets commit and applied', () => {
      const l = log([1, 1], [2]);
      const snapshot: Snapshot = { meta: { index: 9, term: 4, membership: { voters: [], learners: [] } }, data: new Uint8Array(0) };
      l.restore(snapshot);
      expect([l.firstIndex(), l.lastIndex(), l.lastTerm(), l.committed, l.applied]).toEqual([10, 9, 4, 9, 9]);
      expect(l.hasUnstableEntries()).toBe(false);
      expect(l.stableLastIndex()).toBe(0);
      l.stableSnapshotTo(9);
      expect(l.pendingSnapshot).toBeUndefined();
    });
  });

  describe('commit and applied', () => {
    it('commitTo never moves back and never past the last index', () => {
      const l = log([1, 1, 1]);
      expect(l.commitTo(2)).toBe(true);
      expect(l.commitTo(1)).toBe(false);
      expect(l.committed).toBe(2);
      expect(() => l.commitTo(4)).toThrow(/past the last index/);
    });

    it('hands out committed entries to apply, then nothing once applied', () => {
      const l = log([1, 1, 1]);
      l.commitTo(2);
      expect(l.nextCommittedEntries().map((e) => e.index)).toEqual([1, 2]);
      l.appliedTo(2);
      expect(l.hasNextCommittedEntries()).toBe(false);
      expect(() => l.appliedTo(3)).toThrow(/outside/);
    });
  });
});
