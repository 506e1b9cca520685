// The invariant checkers must be able to fail: each is fed a known-bad history and must reject it.

import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/raft/index.js';
import { InvariantChecker, InvariantViolation } from './invariants.js';

const put = (index: number, term: number, command: string): Entry => ({
  type: 'normal',
  index,
  term,
  data: new TextEncoder().encode(command),
});

describe('invariant checkers reject known-bad histories', () => {
  it('two leaders in one term', () => {
    const checker = new InvariantChecker();
    checker.observeLeader(3, 1);
    checker.observeLeader(4, 2);
    expect(() => checker.observeLeader(3, 2)).toThrow(/election safety/);
  });

  it('logs that agree on (index, term) but differ in content or history', () => {
    const checker = new InvariantChecker();
    checker.observeLogEntry(1, put(5, 2, 'a=1'), 2);
    expect(() => checker.observeLogEntry(2, put(5, 2, 'a=2'), 2)).toThrow(/log matching/);
    expect(() => checker.observeLogEntry(3, put(5, 2, 'a=1'), 1)).toThrow(/log matching/);
  });

  it('a committed entry that changes', () => {
    const checker = new InvariantChecker();
    checker.observeCommitted(1, 2, put(4, 2, 'a=1'));
    expect(() => checker.observeCommitted(2, 3, put(4, 3, 'a=9'))).toThrow(/never changed/);
  });

  it('a new leader missing an entry committed in an earlier term', () => {
    const checker = new InvariantChecker();
    checker.observeCommitted(1, 2, put(1, 2, 'a=1'));
    checker.observeCommitted(1, 2, put(2, 2, 'a=2'));
    const log = [put(1, 2, 'a=1')];
    expect(() => checker.checkLeaderCompleteness(3, 3, (i) => log[i - 1])).toThrow(/never lost/);
    // The leader of the same term may legitimately lag what it has not yet seen committed.
    expect(() => checker.checkLeaderCompleteness(3, 2, (i) => log[i - 1])).not.toThrow();
  });

  it('two nodes applying different commands at one index', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, put(1, 1, 'a=1'));
    expect(() => checker.observeApply(2, put(1, 1, 'a=2'))).toThrow(InvariantViolation);
  });

  it('a stale read', () => {
    const checker = new InvariantChecker();
    checker.observeApply(1, put(1, 1, 'a=1'));
    checker.observeApply(1, put(2, 1, 'a=2'));
    const read = { node: 2, context: 'r1', readIndex: 1, servedAt: 1, value: '1', expected: checker.valueAt('a', 1) };
    expect(() => checker.observeRead({ ...read, commitAtStart: 2 })).toThrow(/linearizable/);
    expect(() => checker.observeRead({ ...read, commitAtStart: 1, value: '2' })).toThrow(/linearizable/);
    expect(() => checker.observeRead({ ...read, commitAtStart: 1 })).not.toThrow();
  });
});
