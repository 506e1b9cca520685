// Pastes in reverse time order, or without times: the rules see events in time order, else line order.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, node } from './feed.js';

describe('event order', () => {
  const n = node('1', 'etcd');
  const campaign = [
    n(0, 'election-started', { term: 21 }),
    n(0, 'became-candidate', { term: 22 }),
    n(2, 'election-started', { term: 22 }),
    n(2, 'became-candidate', { term: 23 }),
    n(4, 'election-started', { term: 23 }),
    n(4, 'became-candidate', { term: 24 }),
  ];

  it('a paste listed newest first is read oldest first', () => {
    const forward = analyze(campaign);
    const reversed = analyze([...campaign].reverse());
    expect(codes(reversed)).toEqual(['NO_LEADER']);
    expect(reversed.map((f) => [f.code, f.summary, f.firstSeen, f.lastSeen])).toEqual(forward.map((f) => [f.code, f.summary, f.firstSeen, f.lastSeen]));
  });

  it('a healthy re-election listed newest first stays quiet', () => {
    const events = [n(0, 'leader-lost', { peer: '2', term: 5 }), n(1, 'election-started', { term: 5 }), n(1, 'became-candidate', { term: 6 }), n(1, 'became-leader', { term: 6 })];
    expect(alarms(analyze([...events].reverse()))).toEqual([]);
  });

  it('without times, line order decides', () => {
    const untimed = node('1', 'etcd');
    const attempts = [21, 22, 23].flatMap((term) => [untimed(undefined, 'election-started', { term }), untimed(undefined, 'became-candidate', { term: term + 1 })]);
    expect(codes(analyze(attempts))).toEqual(['NO_LEADER']);
    expect(alarms(analyze([untimed(undefined, 'election-started', { term: 5 }), untimed(undefined, 'became-candidate', { term: 6 }), untimed(undefined, 'became-leader', { term: 6 })]))).toEqual([]);
  });

  it('a few lines stepping back among many going forward (mixed precision) are not a reversal', () => {
    const events = [...campaign.slice(0, 3), { ...campaign[3]!, time: campaign[2]!.time! - 1 }, ...campaign.slice(4)];
    expect(codes(analyze(events))).toEqual(['NO_LEADER']);
  });
});
