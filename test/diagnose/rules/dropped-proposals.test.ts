// DROPPED_PROPOSALS against PROPOSALS_DROPPED_BRIEFLY, events in.
import { describe, expect, it } from 'vitest';
import { analyze, find, node } from './feed.js';

describe('dropped proposals', () => {
  it('a few during one election are info only', () => {
    const n = node('2');
    const findings = analyze([
      n(0, 'became-follower', { term: 1 }),
      n(10, 'election-started', { term: 1 }),
      n(10, 'became-candidate', { term: 2 }),
      n(10, 'dropped-proposal', { term: 2, reason: 'no-leader' }),
      n(11, 'dropped-proposal', { term: 2, reason: 'no-leader' }),
      n(11, 'became-leader', { term: 2 }),
    ]);
    expect(findings.map((f) => [f.code, f.severity, f.count])).toEqual([['PROPOSALS_DROPPED_BRIEFLY', 'info', 2]]);
  });

  it('drops over more than five election timeouts are critical', () => {
    const n = node('2');
    const findings = analyze([n(0, 'became-leader', { term: 2 }), n(10, 'dropped-proposal', { term: 3 }), n(16, 'dropped-proposal', { term: 3 })]);
    expect(find(findings, 'DROPPED_PROPOSALS')?.severity).toBe('critical');
  });

  it('by a node that never saw a leader are critical, and read-index drops do not count', () => {
    const n = node('2');
    expect(find(analyze([n(0, 'dropped-proposal', { term: 4 })]), 'DROPPED_PROPOSALS')?.count).toBe(1);
    expect(analyze([n(0, 'dropped-proposal', { term: 4, reason: 'no-leader-read' })])).toEqual([]);
  });
});
