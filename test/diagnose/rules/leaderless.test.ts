// NO_LEADER from a failed election and the product saying it has no leader, events in.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, find, node } from './feed.js';

describe('a failed election and no leader, said outright', () => {
  it('one restarted election on one node and "No cluster leader" on another, untimed', () => {
    const a = node('server-0', 'hashicorp');
    const b = node('server-1', 'hashicorp');
    const findings = analyze([a(undefined, 'election-started', { reason: 'restart' }), b(undefined, 'leader-wait-timeout', { reason: 'no cluster leader' })]);
    expect(codes(findings)).toEqual(['NO_LEADER']);
    expect(find(findings, 'NO_LEADER')).toMatchObject({ nodes: ['server-0', 'server-1'], evidence: [{ file: 'server-0.log' }, { file: 'server-1.log' }] });
  });

  it('a voter asked again and again by one candidate while the product has no leader', () => {
    const v = node('control-01', 'hashicorp');
    const ask = (s: number) => v(s, 'vote-rejected', { peer: '10.0.0.7:8300' });
    expect(codes(analyze([ask(0), v(0, 'leader-wait-timeout'), ask(0), ask(3)]))).toEqual(['NO_LEADER']);
    // One request (twice in the same second) is one election.
    expect(codes(analyze([ask(0), v(0, 'leader-wait-timeout'), ask(0)]))).toEqual([]);
  });

  it('a second attempt with no leader between, and a dropped proposal', () => {
    const n = node('1', 'etcd');
    expect(codes(analyze([n(0, 'election-started', { term: 4 }), n(0, 'dropped-proposal', { term: 5 }), n(2, 'election-started', { term: 5 })]))).toEqual(['DROPPED_PROPOSALS', 'NO_LEADER']);
  });

  it('a split vote in a healthy re-election, answered by a leader, stays quiet', () => {
    const n = node('1', 'etcd');
    const events = [n(0, 'election-started', { term: 4 }), n(0, 'dropped-proposal', { term: 5 }), n(2, 'election-started', { term: 5 }), n(2, 'became-leader', { term: 6 })];
    expect(alarms(analyze(events))).toEqual([]);
  });

  it("Raft's own 'lost leader' says there is no leader: votes at rising terms for one candidate after it", () => {
    const n = node('30fd', 'etcd');
    const events = [n(44, 'leader-lost', { peer: '77e9', term: 3 }), n(44, 'vote-cast', { peer: '2a1a', term: 3 }), n(48, 'vote-cast', { peer: '2a1a', term: 4 })];
    expect(codes(analyze(events))).toEqual(['NO_LEADER']);
    expect(alarms(analyze([...events, n(49, 'leader-known', { peer: '2a1a', term: 4 })]))).toEqual([]);
  });

  it('either signal alone is not enough', () => {
    const n = node('1', 'hashicorp');
    expect(codes(analyze([n(undefined, 'election-started', { reason: 'restart' })]))).toEqual([]);
    expect(alarms(analyze([n(0, 'became-leader', { term: 2 }), n(1, 'leader-wait-timeout')]))).toEqual([]);
  });

  it('no election logged at all, but the product says it has no leader again and again for minutes (NATS JetStream)', () => {
    const n = node('nats-0', 'default');
    const said = (s: number) => n(s, 'leader-wait-timeout', { reason: 'no metadata leader' });
    const events = [n(0, 'became-leader'), said(10), said(21), said(42), said(65), said(228)];
    expect(codes(analyze(events))).toEqual(['NO_LEADER']);
    expect(find(analyze(events), 'NO_LEADER')).toMatchObject({ count: 5, evidence: [{ line: 2 }, { line: 6 }] });
  });

  it('statements alone stay quiet when they are few, short-lived, untimed, or answered by a leader', () => {
    const n = node('nats-0', 'default');
    const said = (s: number | undefined) => n(s, 'leader-wait-timeout');
    // Two statements two minutes apart, then this server leads: a slow bootstrap.
    expect(alarms(analyze([said(0), said(120), n(152, 'became-leader')]))).toEqual([]);
    expect(alarms(analyze([said(0), said(120)]))).toEqual([]);
    // Many statements within seconds: an ordinary election under way.
    expect(alarms(analyze([said(0), said(1), said(2), said(5), said(9)]))).toEqual([]);
    expect(alarms(analyze([said(undefined), said(undefined), said(undefined), said(undefined)]))).toEqual([]);
    expect(alarms(analyze([said(0), said(30), said(60), said(90), n(95, 'leader-known', { peer: 'nats-1' })]))).toEqual([]);
  });

  it('a node refusing to campaign (no known peers) while the product says twice it has no leader', () => {
    const n = node('consul-1', 'hashicorp');
    const said = (s: number) => n(s, 'leader-wait-timeout', { reason: 'no cluster leader' });
    expect(codes(analyze([n(0, 'not-promotable'), said(88), said(90)]))).toContain('NO_LEADER');
    // Said once, or answered by a leader: a non-voter waiting for the cluster to settle.
    expect(codes(analyze([n(0, 'not-promotable'), said(88)]))).not.toContain('NO_LEADER');
    expect(codes(analyze([n(0, 'not-promotable'), said(88), said(90), n(92, 'leader-known', { peer: '10.0.0.2:8300' })]))).not.toContain('NO_LEADER');
  });

  it('a pre-vote then the vote proper from the same candidate is one election, not a failed one', () => {
    const n = node('1', 'chronik');
    const twoPhases = [n(0, 'leader-lost', { peer: '2', term: 1 }), n(0.05, 'vote-cast', { peer: '3', term: 1, reason: 'pre-vote' }), n(0.06, 'vote-cast', { peer: '3', term: 2, reason: 'vote-phase' })];
    expect(codes(analyze(twoPhases))).not.toContain('NO_LEADER');
    // etcd-raft's message types name the phase too; the same candidate's vote asked again is still a failure.
    const e = node('a1', 'etcd');
    expect(codes(analyze([e(0, 'leader-lost', { peer: 'b2', term: 3 }), e(0.1, 'vote-cast', { peer: 'c3', term: 3, reason: 'MsgPreVote' }), e(0.1, 'vote-cast', { peer: 'c3', term: 4, reason: 'MsgVote' })]))).not.toContain('NO_LEADER');
    expect(codes(analyze([e(0, 'leader-lost', { peer: 'b2', term: 3 }), e(0.1, 'vote-cast', { peer: 'c3', term: 4, reason: 'MsgVote' }), e(2, 'vote-cast', { peer: 'c3', term: 5, reason: 'MsgVote' })]))).toContain('NO_LEADER');
  });

  it('`lost leader` and one retried election of its own is a split vote; a second retry is not', () => {
    const n = node('1', 'chronik');
    const lost = n(0, 'leader-lost', { peer: '3', term: 2 });
    const attempt = (t: number, term: number) => n(t, 'became-candidate', { term });
    expect(codes(analyze([lost, attempt(0.1, 3), attempt(1.8, 4)]))).not.toContain('NO_LEADER');
    expect(codes(analyze([lost, attempt(0.1, 3), attempt(1.8, 4), attempt(3.5, 5)]))).toContain('NO_LEADER');
  });
});
