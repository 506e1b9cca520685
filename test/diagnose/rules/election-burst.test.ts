// ELECTION_STORM from back-to-back elections (detectors/election-burst.ts), events in, findings out.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, find, node } from './feed.js';

/** A follower pushed up one term by another candidate's vote request at second `t`. */
const pushed = (n: ReturnType<typeof node>, t: number, from: number) => [n(t, 'term-seen', { term: from }), n(t, 'became-follower', { term: from + 1 })];

describe('back-to-back elections', () => {
  it('three terms within a second, the leader lost on the way, is a storm', () => {
    const n = node('27ec', 'etcd');
    const events = [n(0, 'term-seen', { term: 898 }), n(0, 'became-follower', { term: 900 }), n(0, 'leader-lost', { peer: '27ec', term: 900 }), ...pushed(n, 0.5, 900)];
    const findings = analyze(events);
    expect(codes(findings)).toEqual(['ELECTION_STORM']);
    expect(find(findings, 'ELECTION_STORM')!.summary).toBe('node 27ec went from term 898 to term 901 within 1s, each election following the last before its leader settled: 3 elections back to back');
  });

  it('planned leader transfers (etcdctl move-leader) seen by a member are no burst; the same rises unplanned are', () => {
    const n = node('f833', 'etcd');
    const follow = (t: number, term: number, leader: string) => [...pushed(n, t, term - 1), n(t, 'leader-known', { peer: leader, term })];
    const rises = [n(0, 'became-leader', { term: 2 }), ...follow(0.1, 3, 'd224'), ...follow(2.4, 4, '69d8'), n(4.7, 'became-candidate', { term: 5 }), n(4.8, 'became-leader', { term: 5 })];
    expect(codes(analyze(rises))).toEqual(['ELECTION_STORM']);
    // It handed leadership to d224 at term 2, and 69d8 handed it back to it at term 4.
    const planned = [...rises.slice(0, 1), n(0.05, 'term-seen', { term: 2, reason: 'leader-transfer' }), ...rises.slice(1, 7), n(4.7, 'term-seen', { term: 4, reason: 'leader-transfer' }), ...rises.slice(7)];
    expect(codes(analyze(planned))).toEqual([]);
  });

  it("a leader elected and replaced within three election timeouts, with the node's log three terms behind, is a storm", () => {
    const n = node('305e', 'etcd');
    const campaign = (t: number, term: number) => [n(t, 'election-started', { term }), n(t, 'became-candidate', { term: term + 1 }), n(t, 'vote-requested', { term: term + 1, logTerm: 55, peer: '7752' })];
    const events = [n(0, 'became-follower', { term: 57 }), ...campaign(2.8, 57), n(3.3, 'became-follower', { term: 58 }), n(3.3, 'leader-known', { peer: '7752', term: 58 }), ...campaign(6, 58)];
    // Its campaign at term 59 is unanswered, five terms beyond its log: term-climb.ts's NO_LEADER as well.
    const findings = analyze(events);
    expect(codes(findings)).toEqual(['ELECTION_STORM', 'NO_LEADER']);
    expect(find(findings, 'ELECTION_STORM')!.summary).toBe('node 305e went from term 57 (its log ends at term 55) to term 59 within 3s, each election following the last before its leader settled: 4 elections back to back');
    // The same elections with the log current (a split vote) count two: quiet.
    const current = [n(0, 'became-follower', { term: 57 }), n(2.8, 'election-started', { term: 57 }), n(2.8, 'became-candidate', { term: 58 }), n(2.8, 'vote-requested', { term: 58, logTerm: 57 }), n(3.3, 'leader-known', { peer: '7752', term: 58 }), n(6, 'election-started', { term: 58 }), n(6, 'became-candidate', { term: 59 })];
    expect(alarms(analyze(current))).toEqual([]);
    // The next election long after the leader settled is a new burst, not a storm.
    const later = [n(0, 'became-follower', { term: 57 }), ...campaign(2.8, 57), n(3.3, 'leader-known', { peer: '7752', term: 58 }), ...campaign(60, 58)];
    expect(codes(analyze(later)).filter((c) => c === 'ELECTION_STORM')).toEqual([]);
  });

  it('two elections at term 12273 and still no leader is a storm; the same split vote ending in a leader is not', () => {
    const n = node('2a09', 'etcd');
    const unsettled = [...pushed(n, 0, 12273), n(0, 'leader-lost', { peer: '91d2', term: 12274 }), ...pushed(n, 1, 12274)];
    expect(codes(analyze(unsettled))).toEqual(['ELECTION_STORM']);
    expect(alarms(analyze([...unsettled, n(2, 'leader-known', { peer: '91d2', term: 12275 })]))).toEqual([]);
    // At a young term, two elections are an ordinary split vote even with no leader yet.
    const m = node('2a09', 'etcd');
    expect(alarms(analyze([...pushed(m, 0, 12), m(0, 'leader-lost', { peer: '91d2', term: 13 }), ...pushed(m, 1, 13)]))).toEqual([]);
  });

  it('a vote line stating an older log term counts the elections no leader settled', () => {
    const n = node('134a', 'etcd');
    const events = [n(0, 'term-seen', { term: 12252 }), ...pushed(n, 1, 12252), n(1, 'vote-rejected', { peer: '91d2', term: 12253, logTerm: 12251 }), ...pushed(n, 3, 12253), n(3, 'vote-cast', { peer: '2a09', term: 12254, logTerm: 12251 }), n(3, 'leader-known', { peer: '2a09', term: 12254 })];
    const findings = analyze(events);
    expect(codes(findings)).toEqual(['ELECTION_STORM']);
    // The finding names the vote line that stated the log term, next to the rises.
    expect(find(findings, 'ELECTION_STORM')!.evidence.map((e) => e.text)).toContain(events[3]!.evidence.text);
  });

  it('an ordinary re-election after a restart, cluster formation and a lone candidate stay quiet', () => {
    const a = node('a', 'etcd');
    // Leader lost, one election, a new leader.
    expect(alarms(analyze([a(0, 'leader-known', { peer: 'b', term: 7 }), ...pushed(a, 10, 7), a(10, 'leader-lost', { peer: 'b', term: 8 }), a(10.5, 'leader-known', { peer: 'c', term: 8 })]))).toEqual([]);
    // Members starting one by one: terms 1, 2, 3 within seconds before the first leader.
    const f = node('f', 'etcd');
    expect(alarms(analyze([f(0, 'became-follower', { term: 1 }), ...pushed(f, 1, 1), ...pushed(f, 2, 2), ...pushed(f, 3, 3), f(3, 'leader-known', { peer: 'g', term: 4 })]))).toEqual([]);
    // A node campaigning alone, no leader anywhere: NO_LEADER's, not a storm.
    const c = node('c', 'etcd');
    const own = [c(0, 'leader-known', { peer: 'd', term: 5 }), c(5, 'leader-lost', { peer: 'd', term: 5 })];
    for (let i = 0; i < 4; i++) own.push(c(6 + i * 2, 'election-started', { term: 5 + i }), c(6 + i * 2, 'became-candidate', { term: 6 + i }));
    expect(codes(analyze(own)).filter((code) => code === 'ELECTION_STORM')).toEqual([]);
    // Its own attempts that end in its win: no leader changed hands on the way.
    const w = node('w', 'etcd');
    const won = [w(0, 'became-follower', { term: 5 })];
    for (let i = 0; i < 4; i++) won.push(w(1 + i * 2, 'election-started', { term: 5 + i }), w(1 + i * 2, 'became-candidate', { term: 6 + i }));
    won.push(w(7.5, 'became-leader', { term: 9 }));
    expect(codes(analyze(won)).filter((code) => code === 'ELECTION_STORM')).toEqual([]);
  });

  it('a restart in between ends the burst', () => {
    const n = node('r', 'etcd');
    const events = [...pushed(n, 0, 20), n(0, 'leader-lost', { peer: 's', term: 21 }), n(1, 'node-start', { term: 21 }), ...pushed(n, 2, 21), ...pushed(n, 3, 22)];
    expect(codes(analyze(events)).filter((c) => c === 'ELECTION_STORM')).toEqual([]);
  });
});
