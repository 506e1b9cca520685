// The leader's read-index queue: a read is confirmed by a quorum of acks carrying its context (or a
// newer one), and confirming one confirms every older read.

import { describe, expect, it } from 'vitest';
import { ReadIndexQueue, type ReadRequest } from '../../src/raft/read-index.js';

const read = (context: string, index: number): ReadRequest => ({ context, from: 1, index, acks: new Set([1]) });

describe('ReadIndexQueue', () => {
  it('confirms a read once a majority of voters acked its context', () => {
    const queue = new ReadIndexQueue();
    queue.add(read('a', 5));
    expect(queue.lastContext()).toBe('a');
    expect(queue.ack(4, 'a', [1, 2, 3])).toEqual([]);
    expect(queue.ack(2, 'a', [1, 2, 3]).map((r) => r.context)).toEqual(['a']);
    expect(queue.lastContext()).toBeUndefined();
  });

  it('an ack for a newer read confirms the older ones too', () => {
    const queue = new ReadIndexQueue();
    queue.add(read('a', 5));
    queue.add(read('b', 6));
    queue.add(read('c', 7));
    expect(queue.ack(3, 'b', [1, 2, 3]).map((r) => r.context)).toEqual(['a', 'b']);
    expect(queue.lastContext()).toBe('c');
  });

  it('ignores acks for unknown contexts and duplicate requests', () => {
    const queue = new ReadIndexQueue();
    queue.add(read('a', 5));
    queue.add(read('a', 9));
    expect(queue.ack(2, 'zzz', [1, 2, 3])).toEqual([]);
    expect(queue.ack(2, 'a', [1, 2, 3]).map((r) => r.index)).toEqual([5]);
  });

  it('clear forgets every read (leadership lost: the callers retry)', () => {
    const queue = new ReadIndexQueue();
    queue.add(read('a', 5));
    queue.clear();
    expect(queue.ack(2, 'a', [1, 2, 3])).toEqual([]);
  });
});
