// ELECTION_STORM, SPLIT_BRAIN and QUORUM_LOST: what leaders and step-downs say, events in.
import { describe, expect, it } from 'vitest';
import { analyze, codes, find, node } from './feed.js';

describe('election storms', () => {
  it('one leader change is not a storm, three within a minute are', () => {
    const n = (id: string) => node(id, 'raft-rs');
    expect(codes(analyze([n('1')(1, 'became-leader', { term: 2 }), n('2')(30, 'became-leader', { term: 3 })]))).toEqual([]);
    const storm = analyze([n('1')(1, 'became-leader', { term: 2 }), n('2')(10, 'became-leader', { term: 3 }), n('3')(20, 'became-leader', { term: 4 }), n('1')(30, 'became-leader', { term: 5 })]);
    expect(codes(storm)).toEqual(['ELECTION_STORM']);
    expect(find(storm, 'ELECTION_STORM')!.summary).toBe('4 leaders elected within 29s');
  });

  it('leaders made by planned transfers (etcdctl move-leader) are no storm; the same changes unplanned are', () => {
    const n = (id: string) => node(id, 'etcd');
    const wins = [n('a')(1, 'became-leader', { term: 2 }), n('b')(10, 'became-leader', { term: 3 }), n('c')(20, 'became-leader', { term: 4 }), n('a')(30, 'became-leader', { term: 5 })];
    // The old leader's `[term 2] starts to transfer leadership`, the target's `[term 3] received MsgTimeoutNow ... starts an election`.
    const transfers = [n('a')(9, 'term-seen', { term: 2, reason: 'leader-transfer' }), n('c')(19, 'term-seen', { term: 3, reason: 'leader-transfer' }), n('c')(29, 'term-seen', { term: 4, reason: 'leader-transfer' })];
    expect(codes(analyze([...wins.slice(0, 1), transfers[0]!, wins[1]!, transfers[1]!, wins[2]!, transfers[2]!, wins[3]!]))).toEqual([]);
    expect(codes(analyze(wins))).toEqual(['ELECTION_STORM']);
  });

  it('a node winning, losing and winning leadership again, in lines without terms, within a minute', () => {
    const n = node('stan-1', 'default');
    const flap = [n(0, 'became-leader'), n(1, 'leader-lost', { peer: 'stan-1' }), n(3, 'became-leader'), n(4, 'leader-lost', { peer: 'stan-1' }), n(5, 'became-leader')];
    expect(find(analyze(flap), 'ELECTION_STORM')!.summary).toBe('3 leaders elected within 5s');
    // Followers repeating who leads, in the product's own names, elect nobody.
    const f = node('f', 'default');
    expect(codes(analyze([n(0, 'became-leader'), f(1, 'leader-known', { peer: 'server-1' }), f(2, 'leader-known', { peer: 'stan-1' }), f(3, 'leader-known', { peer: 'server-1' })]))).toEqual([]);
  });

  it('a node leading and falling back to follower again and again, in lines without terms (InfluxDB 0.10)', () => {
    const n = node('localhost:8088', 'hashicorp');
    const flap = [n(0, 'became-follower'), n(1, 'became-leader'), n(1, 'became-follower'), n(3, 'became-leader'), n(3, 'became-follower'), n(5, 'became-leader')];
    expect(codes(analyze(flap))).toEqual(['ELECTION_STORM']);
    // Leading once, or reported as leader twice without falling back in between, is one election.
    expect(codes(analyze([n(0, 'became-follower'), n(1, 'became-leader'), n(2, 'became-follower')]))).toEqual([]);
    expect(codes(analyze([n(1, 'became-leader'), n(3, 'became-leader'), n(5, 'became-leader')]))).toEqual([]);
  });

  it('three leaders spread over more than a minute are not', () => {
    const n = (id: string) => node(id, 'raft-rs');
    expect(codes(analyze([n('1')(0, 'became-leader', { term: 2 }), n('2')(40, 'became-leader', { term: 3 }), n('3')(80, 'became-leader', { term: 4 })]))).toEqual([]);
  });
});

describe('split brain', () => {
  it('two nodes leading one term', () => {
    const findings = analyze([node('1')(0, 'became-leader', { term: 7 }), node('2')(1, 'became-leader', { term: 7 })]);
    expect(find(findings, 'SPLIT_BRAIN')).toMatchObject({ nodes: ['1', '2'], summary: 'term 7 has two leaders: 1 and 2' });
  });

  it('a follower naming the leader of its term agrees with it', () => {
    expect(codes(analyze([node('1')(0, 'became-leader', { term: 7 }), node('2')(1, 'leader-known', { peer: '1', term: 7 })]))).toEqual([]);
  });
});

describe('quorum lost', () => {
  it('a check-quorum step-down', () => {
    const n = node('1');
    expect(codes(analyze([n(0, 'became-leader', { term: 3 }), n(20, 'quorum-lost', { term: 3, reason: 'check-quorum' })]))).toEqual(['QUORUM_LOST']);
  });

  it('not when the majority was stopped on purpose just before', () => {
    const n = node('1');
    expect(codes(analyze([n(0, 'became-leader', { term: 3 }), node('2')(19, 'node-stop'), node('3')(19, 'node-stop'), n(20, 'quorum-lost', { term: 3 })]))).toEqual([]);
  });
});

describe('state reset', () => {
  it('a restart at term 0 with an empty log after leading term 5', () => {
    const n = node('3');
    const findings = analyze([n(0, 'became-leader', { term: 5 }), n(600, 'node-start', { term: 0, lastIndex: 0 })]);
    expect(find(findings, 'STATE_RESET')).toMatchObject({ nodes: ['3'], count: 2 });
  });

  it("the leader's commit beyond an empty log, with no restart in the lines, is only info (a member re-added with an emptied data dir looks the same)", () => {
    const n = node('4bf9');
    const findings = analyze([n(0, 'became-follower', { term: 34 }), n(0, 'log-out-of-range', { lastIndex: 0, reason: 'commit 180018 beyond last index 0' })]);
    expect(findings.map((f) => [f.code, f.severity])).toEqual([['STATE_RESET', 'info']]);
  });

  it('a restart keeping its log is not', () => {
    const n = node('3');
    expect(codes(analyze([n(0, 'became-leader', { term: 5 }), n(600, 'node-start', { term: 5, lastIndex: 40 })]))).toEqual([]);
  });
});
