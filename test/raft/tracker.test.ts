// The ProgressTracker: the commit index and active quorum over its voters (learners never count),
// and the votes of an election.

import { describe, expect, it } from 'vitest';
import { ProgressTracker } from '../../src/raft/tracker.js';

function tracker(matches: Record<number, number>, voters: number[]): ProgressTracker {
  const t = new ProgressTracker(8);
  for (const [id, match] of Object.entries(matches)) t.add(Number(id), 1).match = match;
  t.setVoters(voters);
  return t;
}

describe('ProgressTracker', () => {
  it.each<[string, Record<number, number>, number[], number]>([
    ['three voters', { 1: 7, 2: 5, 3: 2 }, [1, 2, 3], 5],
    ['a learner far ahead does not count', { 1: 7, 2: 1, 3: 1, 4: 9 }, [1, 2, 3], 1],
    ['a voter without progress counts as 0', { 1: 7, 2: 7 }, [1, 2, 3, 4], 0],
    ['a single voter', { 1: 4 }, [1], 4],
  ])('committed: %s', (_name, matches, voters, expected) => {
    expect(tracker(matches, voters).committed()).toBe(expected);
  });

  it('quorumActive counts the leader itself and the voters heard from', () => {
    const t = tracker({ 1: 0, 2: 0, 3: 0, 4: 0 }, [1, 2, 3]);
    expect(t.quorumActive(1)).toBe(false);
    const learner = t.get(4);
    if (learner) learner.recentActive = true;
    expect(t.quorumActive(1)).toBe(false);
    const voter = t.get(3);
    if (voter) voter.recentActive = true;
    expect(t.quorumActive(1)).toBe(true);
  });

  it('counts votes of voters only, and forgets them on reset', () => {
    const t = tracker({}, [1, 2, 3]);
    t.recordVote(1, true);
    t.recordVote(9, true);
    expect(t.voteResult()).toBe('pending');
    t.recordVote(3, true);
    expect(t.voteResult()).toBe('won');
    t.resetVotes();
    t.recordVote(2, false);
    t.recordVote(3, false);
    expect(t.voteResult()).toBe('lost');
  });

  it('add keeps an existing progress; retain drops the members not kept', () => {
    const t = tracker({ 1: 5, 2: 3 }, [1, 2]);
    expect(t.add(2, 99).match).toBe(3);
    t.add(3, 6);
    t.retain(new Set([1, 3]));
    expect([...t.ids()]).toEqual([1, 3]);
    t.clear();
    expect([...t.ids()]).toEqual([]);
  });
});
