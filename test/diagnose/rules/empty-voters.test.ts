// EMPTY_VOTERS, PEERS_NOT_VOTERS, STUCK_AT_TERM_0 and NOT_PROMOTABLE: the empty-voter family, events in.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, find, node } from './feed.js';

describe('an empty voter set', () => {
  it('followed by dropped proposals at term 0 is EMPTY_VOTERS, PEERS_NOT_VOTERS (peers were given), STUCK_AT_TERM_0 and DROPPED_PROPOSALS', () => {
    const n = node('1');
    const findings = analyze([
      n(0, 'peers-given', { voters: ['1', '2', '3'] }),
      n(0, 'config', { voters: [] }),
      n(0, 'became-follower', { term: 0 }),
      n(30, 'leader-wait-timeout'),
      n(31, 'dropped-proposal', { term: 0, reason: 'no-leader' }),
    ]);
    expect(codes(findings)).toEqual(['DROPPED_PROPOSALS', 'EMPTY_VOTERS', 'PEERS_NOT_VOTERS', 'STUCK_AT_TERM_0']);
    expect(find(findings, 'EMPTY_VOTERS')!.evidence.map((e) => e.line)).toEqual([2, 3, 4, 5]);
  });

  it('that Raft was created on (follower at term 0 after it) and never left is EMPTY_VOTERS from those two lines alone, untimed too', () => {
    const peer = node('5', 'region-1234');
    const findings = analyze([peer(undefined, 'config', { voters: [] }), peer(undefined, 'became-follower', { term: 0 })]);
    expect(findings.map((f) => [f.code, f.nodes, f.evidence.map((e) => e.line)])).toEqual([['EMPTY_VOTERS', ['5 (region 1234)'], [1, 2]]]);
  });

  it('in etcd-raft wording (`voters=()`) followed by follower at term 0 is how every etcd member starts: quiet from those lines alone', () => {
    const member = node('6011603e6d6bc66c', 'etcd');
    const start = [member(0, 'config', { voters: [], reason: 'etcd-raft' }), member(0, 'became-follower', { term: 0 }), member(0, 'node-start', { term: 0, lastIndex: 0 })];
    expect(codes(analyze(start))).toEqual([]);
    // Distress after it still makes it EMPTY_VOTERS.
    expect(codes(analyze([...start, member(1, 'dropped-proposal', { term: 0 })]))).toContain('EMPTY_VOTERS');
  });

  it('that Raft was created on, then left term 0 (a new peer filled by its leader), is healthy', () => {
    const peer = node('5', 'region-1234');
    const events = [peer(0, 'config', { voters: [] }), peer(0, 'became-follower', { term: 0 }), peer(0, 'message-received', { peer: '2', term: 6 }), peer(0, 'became-follower', { term: 6 })];
    expect(codes(analyze(events))).toEqual([]);
  });

  it('followed by a leader is healthy (a node that was added and caught up)', () => {
    const n = node('1');
    expect(alarms(analyze([n(0, 'config', { voters: [] }), n(1, 'dropped-proposal', { term: 0 }), n(2, 'leader-known', { peer: '2', term: 3 }), n(2, 'config', { voters: ['1', '2'] })]))).toEqual([
      'DROPPED_PROPOSALS',
    ]);
    expect(codes(analyze([n(0, 'config', { voters: [] }), n(2, 'leader-known', { peer: '2', term: 3 })]))).toEqual([]);
  });

  it('is not reported when the node lost its state (STATE_RESET says more)', () => {
    const n = node('3');
    const findings = analyze([n(0, 'became-leader', { term: 5 }), n(600, 'node-start', { term: 0, lastIndex: 0 }), n(600, 'config', { voters: [] }), n(601, 'dropped-proposal', { term: 0 })]);
    expect(codes(findings)).toContain('STATE_RESET');
    expect(codes(findings)).not.toContain('EMPTY_VOTERS');
  });

  it('lingering 30 election timeouts without any distress is reported too', () => {
    const n = node('1');
    expect(codes(analyze([n(0, 'config', { voters: [] }), n(29, 'term-seen', { term: 0 })]))).toEqual([]);
    expect(codes(analyze([n(0, 'config', { voters: [] }), n(31, 'term-seen', { term: 0 })]))).toEqual(['EMPTY_VOTERS']);
  });
});

describe('peers given but not voters', () => {
  it('needs a line handing peers to Raft: waiting for a leader with no known peers is EMPTY_VOTERS alone', () => {
    const n = node('10.0.0.1:8300', 'hashicorp');
    const findings = analyze([n(0, 'config', { voters: [], reason: 'no known peers' }), n(0, 'not-promotable'), n(1, 'leader-wait-timeout')]);
    expect(codes(findings)).toEqual(['EMPTY_VOTERS', 'NOT_PROMOTABLE']);
  });

  it('the first configuration after the peers lacks some of them', () => {
    const n = node('1');
    const findings = analyze([n(0, 'peers-given', { voters: ['1', '2', '3'] }), n(0, 'config', { voters: ['1'] }), n(1, 'became-leader', { term: 2 })]);
    expect(codes(findings)).toEqual(['PEERS_NOT_VOTERS']);
    expect(find(findings, 'PEERS_NOT_VOTERS')!.summary).toContain('2, 3');
  });
});

describe('a node that refuses to campaign', () => {
  it('is NOT_PROMOTABLE and, with no term ever seen, STUCK_AT_TERM_0; with no voter set known it refines EMPTY_VOTERS', () => {
    const n = node('10.0.0.1:8300', 'hashicorp');
    const findings = analyze([n(0, 'became-follower'), n(2, 'not-promotable', { reason: 'not in the stable configuration' })]);
    expect(codes(findings)).toEqual(['EMPTY_VOTERS', 'NOT_PROMOTABLE', 'STUCK_AT_TERM_0']);
    expect(find(findings, 'NOT_PROMOTABLE')!.refines).toBe('EMPTY_VOTERS');
    expect(find(findings, 'EMPTY_VOTERS')).toMatchObject({ severity: 'critical', nodes: ['10.0.0.1:8300'], evidence: [{ line: 2 }] });
    expect(find(findings, 'EMPTY_VOTERS')!.refines).toBeUndefined();
  });

  it('naming other voters but not itself, refines VOTER_MISMATCH', () => {
    const n = node('10.0.0.4:8300', 'hashicorp');
    const findings = analyze([n(0, 'config', { voters: ['10.0.0.1:8300', '10.0.0.2:8300', '10.0.0.3:8300'] }), n(1, 'became-follower'), n(2, 'not-promotable')]);
    expect(codes(findings)).toEqual(['NOT_PROMOTABLE', 'STUCK_AT_TERM_0', 'VOTER_MISMATCH']);
    expect(find(findings, 'VOTER_MISMATCH')).toMatchObject({ severity: 'warning', nodes: ['10.0.0.4:8300'] });
    expect(find(findings, 'NOT_PROMOTABLE')!.summary).toContain('(voters {10.0.0.1:8300, 10.0.0.2:8300, 10.0.0.3:8300})');
  });

  it('next to an EMPTY_VOTERS finding of its own, adds no second one', () => {
    const n = node('1');
    const findings = analyze([n(0, 'config', { voters: [] }), n(1, 'not-promotable')]);
    expect(findings.filter((f) => f.code === 'EMPTY_VOTERS')).toHaveLength(1);
    expect(find(findings, 'EMPTY_VOTERS')!.summary).not.toContain('NOT_PROMOTABLE');
  });

  it('is quiet once a leader appears after the refusal', () => {
    const n = node('10.0.0.1:8300', 'hashicorp');
    expect(codes(analyze([n(0, 'not-promotable'), n(5, 'leader-known', { peer: '10.0.0.2:8300' })]))).toEqual([]);
  });

  it('refusals logged while shutting down do not count', () => {
    const n = node('4');
    expect(codes(analyze([n(0, 'became-leader', { term: 2 }), n(10, 'node-stop'), n(10, 'not-promotable')]))).toEqual([]);
  });
});

describe('stuck at term 0', () => {
  it('minutes at term 0 without campaigning', () => {
    const n = node('1');
    expect(codes(analyze([n(0, 'became-follower', { term: 0 }), n(30, 'term-seen', { term: 0 })]))).toEqual([]);
    expect(codes(analyze([n(0, 'became-follower', { term: 0 }), n(61, 'term-seen', { term: 0 })]))).toEqual(['STUCK_AT_TERM_0']);
  });

  it('not when the node campaigned', () => {
    const n = node('1');
    expect(codes(analyze([n(0, 'became-follower', { term: 0 }), n(1, 'dropped-proposal', { term: 0 }), n(2, 'election-started', { term: 0 })]))).not.toContain('STUCK_AT_TERM_0');
  });
});
