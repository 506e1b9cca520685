// Table tests of the majority arithmetic: commit index, election results, active quorums.

import { describe, expect, it } from 'vitest';
import { committedIndex, hasQuorum, majority, voteResult, type VoteResult } from '../../src/raft/quorum.js';

describe('majority', () => {
  it.each([
    [1, 1],
    [2, 2],
    [3, 2],
    [4, 3],
    [5, 3],
    [6, 4],
    [7, 4],
  ])('of %i voters is %i', (voters, needed) => {
    expect(majority(voters)).toBe(needed);
  });
});

describe('committedIndex', () => {
  // matches[i] is the match index of voter i+1.
  it.each<[string, number[], number]>([
    ['no voters commit nothing', [], 0],
    ['a single voter commits what it holds', [7], 7],
    ['two voters need both', [7, 3], 3],
    ['three voters: the middle value', [9, 5, 2], 5],
    ['three voters, order does not matter', [2, 9, 5], 5],
    ['four voters need three', [10, 8, 6, 1], 6],
    ['five voters need three', [1, 2, 3, 4, 5], 3],
    ['ties', [4, 4, 0], 4],
    ['nothing matched', [0, 0, 0], 0],
  ])('%s', (_name, matches, expected) => {
    const voters = matches.map((_, i) => i + 1);
    expect(committedIndex(voters, (id) => matches[id - 1] ?? 0)).toBe(expected);
  });

  it('reads matches only of the voters it is given (a learner does not count)', () => {
    const matches = new Map([
      [1, 5],
      [2, 5],
      [3, 0],
      [4, 9],
    ]);
    expect(committedIndex([1, 2, 3], (id) => matches.get(id) ?? 0)).toBe(5);
    expect(committedIndex([3, 4], (id) => matches.get(id) ?? 0)).toBe(0);
  });
});

describe('voteResult', () => {
  // votes: 'y' granted, 'n' rejected, '_' no answer yet, one character per voter 1..n.
  it.each<[string, VoteResult]>([
    ['y', 'won'],
    ['n', 'lost'],
    ['_', 'pending'],
    ['y_', 'pending'],
    ['yy', 'won'],
    ['yn', 'lost'],
    ['y__', 'pending'],
    ['yy_', 'won'],
    ['yn_', 'pending'],
    ['ynn', 'lost'],
    ['y_n', 'pending'],
    ['yny', 'won'],
    ['y___', 'pending'],
    ['yy__', 'pending'],
    ['yyy_', 'won'],
    ['ynn_', 'lost'],
    ['yn__', 'pending'],
    ['yyn_n', 'pending'],
    ['yynnn', 'lost'],
    ['yyyn_', 'won'],
  ])('%s is %s', (votes, expected) => {
    const voters = [...votes].map((_, i) => i + 1);
    const map = new Map<number, boolean>();
    [...votes].forEach((v, i) => {
      if (v !== '_') map.set(i + 1, v === 'y');
    });
    expect(voteResult(voters, map)).toBe(expected);
  });

  it('ignores votes from outside the voter set', () => {
    const votes = new Map([
      [1, true],
      [9, true],
      [8, true],
    ]);
    expect(voteResult([1, 2, 3], votes)).toBe('pending');
  });
});

describe('hasQuorum', () => {
  it.each<[number[], number[], boolean]>([
    [[1], [1], true],
    [[1], [], false],
    [[1, 2, 3], [1], false],
    [[1, 2, 3], [1, 3], true],
    [[1, 2, 3, 4], [1, 2], false],
    [[1, 2, 3, 4], [2, 3, 4], true],
    [[1, 2, 3], [4, 5, 1], false],
    [[], [], false],
  ])('voters %j with %j active: %s', (voters, active, expected) => {
    expect(hasQuorum(voters, (id) => active.includes(id))).toBe(expected);
  });
});
