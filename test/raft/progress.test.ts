// Table tests of a follower's Progress (probe / replicate / snapshot) and its inflight window.

import { describe, expect, it } from 'vitest';
import { Inflights, Progress, type ProgressState } from '../../src/raft/progress.js';

function progress(state: ProgressState, match: number, next: number, maxInflight = 3): Progress {
  const pr = new Progress(2, next, maxInflight);
  pr.match = match;
  if (state === 'replicate') pr.becomeReplicate();
  if (state === 'snapshot') pr.becomeSnapshot(next);
  pr.next = next;
  return pr;
}

describe('Inflights', () => {
  it('fills to capacity, frees up to an acknowledged index, and can give up the oldest', () => {
    const window = new Inflights(3);
    window.add(5);
    window.add(7);
    expect(window.full).toBe(false);
    window.add(9);
    expect([window.full, window.count]).toEqual([true, 3]);
    window.freeUpTo(7);
    expect([window.full, window.count]).toEqual([false, 1]);
    window.freeUpTo(6);
    expect(window.count).toBe(1);
    window.freeFirst();
    expect(window.count).toBe(0);
  });
});

describe('Progress', () => {
  it.each<[string, number, number, number, boolean, number, number]>([
    ['a newer match', 3, 4, 5, true, 5, 6],
    ['an old acknowledgement', 5, 6, 3, false, 5, 6],
    ['next never moves back', 3, 9, 5, true, 5, 9],
  ])('maybeUpdate: %s', (_name, match, next, ack, updated, newMatch, newNext) => {
    const pr = progress('probe', match, next);
    expect(pr.maybeUpdate(ack)).toBe(updated);
    expect([pr.match, pr.next]).toEqual([newMatch, newNext]);
  });

  // (state, match, next, rejected prevIndex, hint) -> (accepted?, next after)
  it.each<[ProgressState, number, number, number, number, boolean, number]>([
    ['replicate', 5, 9, 5, 5, false, 9],
    ['replicate', 5, 9, 7, 6, true, 6],
    ['probe', 0, 9, 7, 7, false, 9],
    ['probe', 0, 9, 8, 3, true, 4],
    ['probe', 0, 9, 8, 8, true, 8],
    ['probe', 5, 9, 8, 2, true, 6],
  ])('maybeDecreaseTo in %s (match %i, next %i), rejected %i hint %i', (state, match, next, rejected, hint, accepted, nextAfter) => {
    const pr = progress(state, match, next);
    expect(pr.maybeDecreaseTo(rejected, hint)).toBe(accepted);
    expect(pr.next).toBe(nextAfter);
  });

  it.each<[string, (pr: Progress) => void, boolean]>([
    ['probe, nothing sent', () => undefined, false],
    ['probe, an append out', (pr) => (pr.probeSent = true), true],
    ['replicate, window open', (pr) => (pr.becomeReplicate(), pr.inflights.add(4)), false],
    ['replicate, window full', (pr) => (pr.becomeReplicate(), [4, 5, 6].forEach((i) => pr.inflights.add(i))), true],
    ['snapshot', (pr) => pr.becomeSnapshot(10), true],
  ])('paused: %s', (_name, setup, paused) => {
    const pr = progress('probe', 3, 4);
    setup(pr);
    expect(pr.paused).toBe(paused);
  });

  it('state changes reset what the old state tracked', () => {
    const pr = progress('replicate', 3, 7);
    pr.inflights.add(6);
    pr.becomeSnapshot(10);
    expect([pr.state, pr.pendingSnapshot, pr.inflights.count]).toEqual(['snapshot', 10, 0]);
    // After a snapshot the follower holds at least the snapshot: probing starts after it.
    pr.becomeProbe();
    expect([pr.state, pr.next]).toEqual(['probe', 11]);
    pr.maybeUpdate(12);
    pr.becomeReplicate();
    expect([pr.state, pr.next]).toEqual(['replicate', 13]);
  });
});
