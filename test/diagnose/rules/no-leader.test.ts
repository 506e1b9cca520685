// NO_LEADER and NODE_ISOLATED from campaigns, events in.
import { describe, expect, it } from 'vitest';
import { analyze, codes, find, node } from './feed.js';

describe('campaigns without a leader', () => {
  const campaign = (n: ReturnType<typeof node>, from: number, attempts: number, term = 5): ReturnType<ReturnType<typeof node>>[] =>
    Array.from({ length: attempts }, (_, i) => [n(from + i * 2, 'election-started', { term: term + i }), n(from + i * 2, 'became-candidate', { term: term + i + 1 })]).flat();

  it('three attempts over three election timeouts are NO_LEADER, naming the terms', () => {
    const findings = analyze(campaign(node('a'), 0, 3));
    expect(codes(findings)).toEqual(['NO_LEADER']);
    expect(find(findings, 'NO_LEADER')!.summary).toContain('terms 5..8');
  });

  it('two attempts, or a won election, are not', () => {
    const n = node('a');
    expect(codes(analyze(campaign(n, 0, 2)))).toEqual([]);
    expect(codes(analyze([n(0, 'election-started', { term: 1 }), n(0, 'became-candidate', { term: 2 }), n(0, 'became-leader', { term: 2 })]))).toEqual([]);
  });

  it('a pre-vote and the vote that follows it are one attempt', () => {
    const n = node('a');
    const events = [0, 2].flatMap((s) => [n(s, 'election-started', { reason: 'pre-vote' }), n(s, 'became-pre-candidate', { term: 5 }), n(s, 'election-started', { reason: 'vote-phase' }), n(s, 'became-candidate', { term: 6 })]);
    expect(codes(analyze(events))).toEqual([]);
  });

  it('while another member follows a leader, is NODE_ISOLATED', () => {
    const b = node('b');
    const findings = analyze([b(0, 'leader-known', { peer: 'c', term: 4 }), ...campaign(node('a'), 1, 4), b(10, 'term-seen', { term: 4 })]);
    expect(codes(findings)).toEqual(['NODE_ISOLATED', 'PEER_UNREACHABLE']);
    expect(find(findings, 'PEER_UNREACHABLE')).toMatchObject({ severity: 'warning', nodes: ['a'] });
  });

  it('is not held against a node whose peers were stopped on purpose', () => {
    const b = node('b');
    const c = node('c');
    expect(codes(analyze([b(0, 'node-stop'), c(0, 'node-stop'), ...campaign(node('a'), 1, 4)]))).toEqual([]);
  });
});
