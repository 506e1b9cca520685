// PEER_UNREACHABLE, MESSAGES_NOT_SENT, CLUSTER_ID_MISMATCH, REMOVED_MEMBER_DISRUPTING, VOTER_MISMATCH
// and the slow-signal pair SLOW_DISK / HEARTBEAT_LATE, events in.
import { describe, expect, it } from 'vitest';
import { analyze, codes, find, node } from './feed.js';

describe('unreachable peers', () => {
  it('failures to one peer over ten election timeouts', () => {
    const n = node('1');
    const fail = (s: number) => n(s, 'peer-unreachable', { peer: '2' });
    expect(codes(analyze([fail(0), fail(5), fail(9)]))).toEqual([]);
    const findings = analyze([fail(0), fail(5), fail(12)]);
    expect(find(findings, 'PEER_UNREACHABLE')).toMatchObject({ summary: 'node 1 could not reach peer 2 for 12s (still failing at the end of the log)', count: 3 });
  });

  it('a failure line that says how long the peer has been silent starts the spell that long before it', () => {
    const n = node('10.0.0.3:8300', 'hashicorp');
    const contact = (s: number | undefined, ms: number) => n(s, 'peer-unreachable', { peer: '10.0.0.12:8300', durationMs: ms, reason: 'failed to contact' });
    expect(codes(analyze([contact(1, 5080), contact(5, 2500), contact(8, 4970)]))).toEqual(['PEER_UNREACHABLE']);
    expect(codes(analyze([contact(1, 2000), contact(5, 2500)]))).toEqual([]);
    // Untimed: the stated silence alone (353 hours).
    expect(find(analyze([contact(undefined, 1_273_715_959)]), 'PEER_UNREACHABLE')!.summary).toBe('node 10.0.0.3:8300 could not reach peer 10.0.0.12:8300 for 354h');
  });

  it('not when the peer was stopped, or when it restarted and came back', () => {
    const n = node('1');
    const p = node('2');
    expect(codes(analyze([p(0, 'node-stop'), n(1, 'peer-unreachable', { peer: '2' }), n(30, 'peer-unreachable', { peer: '2' })]))).toEqual([]);
    expect(codes(analyze([n(0, 'peer-unreachable', { peer: '2' }), p(15, 'node-start'), n(16, 'peer-unreachable', { peer: '2' }), n(17, 'peer-recovered', { peer: '2' })]))).toEqual([]);
  });
});

describe('messages produced but never sent', () => {
  it('a node that campaigns, produces messages and hears nothing back', () => {
    const n = node('1');
    const events = [0, 2, 4].flatMap((s) => [n(s, 'election-started', { term: s }), n(s, 'message-produced', { peer: '2' })]);
    expect(codes(analyze(events))).toEqual(['MESSAGES_NOT_SENT', 'NO_LEADER']);
    expect(codes(analyze([...events, node('2')(5, 'message-received', { peer: '1' })]))).toEqual(['NO_LEADER']);
  });

  it('a run of messages the transport dropped unsent (full send buffer), even in an untimed paste; one drop is a blip', () => {
    const n = node('1');
    const drops = [0, 0, 1].map((s) => n(s, 'message-dropped', { peer: '2', reason: 'MsgHeartbeat' }));
    const finding = find(analyze(drops), 'MESSAGES_NOT_SENT');
    expect(finding?.summary).toContain('dropped 3 Raft message(s) for 2 unsent');
    expect(finding?.evidence).toHaveLength(3);
    const untimed = node('3');
    expect(codes(analyze([undefined, undefined, undefined].map((t) => untimed(t, 'message-dropped', { peer: '2' }))))).toEqual(['MESSAGES_NOT_SENT']);
    expect(codes(analyze([n(0, 'message-dropped', { peer: '2' }), n(1, 'message-dropped', { peer: '2' })]))).toEqual([]);
  });
});

describe('membership disagreements', () => {
  it('a rejection of another cluster', () => {
    const n = node('a');
    expect(find(analyze([n(0, 'cluster-id', { clusterId: 'c1' }), n(1, 'cluster-id-mismatch', { peer: 'b' })]), 'CLUSTER_ID_MISMATCH')!.summary).toContain('(cluster c1)');
  });

  it('a vote request from a node outside the voter set', () => {
    const n = node('1');
    const events = [n(0, 'config', { voters: ['1', '2', '3'] }), n(1, 'message-received', { peer: '4', reason: 'MsgVote' })];
    expect(codes(analyze(events))).toEqual(['REMOVED_MEMBER_DISRUPTING', 'VOTER_MISMATCH']);
    expect(codes(analyze([events[0]!, n(1, 'message-received', { peer: '2', reason: 'MsgVote' })]))).toEqual([]);
  });

  it('two members of one group with different voter sets, held for ten election timeouts', () => {
    const a = node('1');
    const b = node('2');
    expect(find(analyze([a(0, 'config', { voters: ['1', '2'] }), b(0, 'config', { voters: ['1', '2', '3'] })]), 'VOTER_MISMATCH')!.nodes).toEqual(['1', '2']);
    // A change the other member's log ends before it could see is not held against it.
    expect(codes(analyze([a(0, 'config', { voters: ['1', '2'] }), a(1, 'term-seen', { term: 2 }), b(60, 'config', { voters: ['1', '2', '3'] })]))).toEqual([]);
  });
});

describe('slow disks and late heartbeats', () => {
  it('are a warning next to election churn, info on a quiet cluster', () => {
    const n = node('1');
    const churn = Array.from({ length: 6 }, (_, i) => n(i + 1, 'election-started', { term: i + 1 }));
    expect(find(analyze([...churn, n(3, 'slow-disk', { durationMs: 1530 }), n(8, 'became-leader', { term: 8 })]), 'SLOW_DISK')!.severity).toBe('warning');
    const quiet = analyze([n(1, 'became-leader', { term: 2 }), n(20, 'heartbeat-late', { durationMs: 1200 }), n(40, 'heartbeat-late')]);
    expect(quiet.map((f) => [f.code, f.severity, f.summary])).toEqual([['HEARTBEAT_LATE', 'info', 'node 1: 2 late heartbeat(s), worst 1200ms, no election churn nearby']]);
  });
});
