// MemoryStorage: suffix truncation on append, snapshots and compaction.

import { describe, expect, it } from 'vitest';
import { CompactedError, MemoryStorage, UnavailableError, type Entry } from '../../src/raft/index.js';

const entry = (index: number, term: number): Entry => ({ type: 'normal', index, term, data: new Uint8Array([index]) });

describe('MemoryStorage', () => {
  it('appends and truncates a conflicting suffix', () => {
    const storage = new MemoryStorage();
    storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    storage.append([entry(2, 2)]);
    expect(storage.lastIndex()).toBe(2);
    expect(storage.term(2)).toBe(2);
    expect(() => storage.append([entry(5, 2)])).toThrow(/gap/);
  });

  it('compacts only what a snapshot covers and reports compacted and unavailable indexes', () => {
    const storage = new MemoryStorage();
    storage.append([entry(1, 1), entry(2, 1), entry(3, 2), entry(4, 2)]);
    expect(() => storage.compact(2)).toThrow(/snapshot only covers/);
    storage.createSnapshot(3, { voters: [{ id: 1, addr: 'h:1' }], learners: [] }, new Uint8Array([9]));
    storage.compact(2);
    expect(storage.firstIndex()).toBe(3);
    expect(storage.term(2)).toBe(1);
    expect(() => storage.term(1)).toThrow(CompactedError);
    expect(() => storage.entries(1, 3)).toThrow(CompactedError);
    expect(() => storage.entries(3, 6)).toThrow(UnavailableError);
    expect(storage.entries(3, 5).map((e) => e.index)).toEqual([3, 4]);
    expect(storage.initialState().membership.voters).toEqual([{ id: 1, addr: 'h:1' }]);
  });

  it('replaces the log with a newer snapshot', () => {
    const storage = new MemoryStorage();
    storage.append([entry(1, 1)]);
    storage.applySnapshot({ meta: { index: 10, term: 3, membership: { voters: [], learners: [] } }, data: new Uint8Array() });
    expect(storage.firstIndex()).toBe(11);
    expect(storage.lastIndex()).toBe(10);
    expect(storage.term(10)).toBe(3);
    storage.append([entry(11, 3)]);
    expect(storage.lastIndex()).toBe(11);
  });

  it('limits entries by size but always returns one', () => {
    const storage = new MemoryStorage();
    storage.append([entry(1, 1), entry(2, 1), entry(3, 1)]);
    expect(storage.entries(1, 4, 1)).toHaveLength(1);
    expect(storage.entries(1, 4, 1000)).toHaveLength(3);
  });
});
