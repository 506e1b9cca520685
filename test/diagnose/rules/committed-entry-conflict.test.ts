// COMMITTED_ENTRY_CONFLICT, events in: one refusal is enough (Raft never asks for it inside one cluster).
import { describe, expect, it } from 'vitest';
import { alarms, analyze, find, node } from './feed.js';

describe('committed entry conflict', () => {
  it('one refused append is a critical finding naming the node, the peer and the index', () => {
    const n = node('1', 'chronik');
    const findings = analyze([
      n(0, 'became-follower', { term: 2 }),
      n(1, 'committed-entry-conflict', { term: 9, peer: '2', lastIndex: 3, reason: 'term 2 here, 1 from the leader' }),
    ]);
    const finding = find(findings, 'COMMITTED_ENTRY_CONFLICT');
    expect(finding?.severity).toBe('critical');
    expect(finding?.nodes).toEqual(['1']);
    expect(finding?.summary).toContain('node 2 at committed index 3 (term 2 here, 1 from the leader)');
    expect(finding?.evidence).toHaveLength(1);
  });

  it('is silent without such a line', () => {
    const n = node('1', 'chronik');
    expect(alarms(analyze([n(0, 'became-follower', { term: 2 }), n(1, 'leader-known', { term: 2, peer: '2' })]))).toEqual([]);
  });
});
