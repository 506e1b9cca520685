// ELECTION_STORM read from how far terms are beyond a reference, events in.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, find, node } from './feed.js';

describe('a storm seen through terms', () => {
  it('a campaign far beyond the log term that no leader answers is a storm and NO_LEADER, untimed', () => {
    const n = node('1', 'etcd');
    const attempt = (term: number) => [
      n(undefined, 'election-started', { term }),
      n(undefined, 'became-candidate', { term: term + 1 }),
      n(undefined, 'vote-requested', { term: term + 1, logTerm: 2, peer: '2', reason: 'MsgVote' }),
    ];
    const findings = analyze([...attempt(251), ...attempt(252)]);
    expect(codes(findings)).toEqual(['ELECTION_STORM', 'NO_LEADER']);
    expect(find(findings, 'NO_LEADER')!.summary).toBe('node 1 campaigns at term 252 while the last entry in its log is from term 2, and no leader answers: no leader has reached it through 249 election(s)');
    // Answered by a leader at last: the elections were a storm, and the cluster has a leader.
    expect(codes(analyze([...attempt(251), ...attempt(252), n(undefined, 'leader-known', { peer: '2', term: 253 })]))).toEqual(['ELECTION_STORM']);
    expect(find(findings, 'ELECTION_STORM')!.summary).toBe('node 1 is at term 252 while the last entry in its log is from term 2: 249 election(s) that its own logged attempts do not account for');
  });

  it('a lone member whose own attempts account for its term is NO_LEADER only', () => {
    const n = node('1', 'etcd');
    const events = [n(0, 'leader-known', { peer: '2', term: 2 })];
    for (let i = 0; i < 40; i++) events.push(n(10 + i * 2, 'election-started', { term: 2 + i }), n(10 + i * 2, 'became-candidate', { term: 3 + i }), n(10 + i * 2, 'vote-requested', { term: 3 + i, logTerm: 2, peer: '2' }));
    expect(codes(analyze(events))).toEqual(['NO_LEADER']);
  });

  it('a healthy re-election one term up is quiet', () => {
    const n = node('1', 'etcd');
    const events = [n(0, 'leader-known', { peer: '2', term: 7 }), n(5, 'election-started', { term: 7 }), n(5, 'became-candidate', { term: 8 }), n(5, 'vote-requested', { term: 8, logTerm: 7 }), n(5, 'became-leader', { term: 8 })];
    expect(alarms(analyze(events))).toEqual([]);
  });

  it('terms going 29 -> 59 within two minutes is a storm; over a day it is not', () => {
    const n = node('a', 'etcd');
    const storm = analyze([n(0, 'leader-known', { peer: 'b', term: 29 }), n(120, 'leader-known', { peer: 'c', term: 59 })]);
    expect(find(storm, 'ELECTION_STORM')!.summary).toBe('node a is at term 59 while the last leader it had was at term 29: 30 election(s) within 120s that its own logged attempts do not account for');
    expect(codes(analyze([n(0, 'leader-known', { peer: 'b', term: 29 }), n(86_400, 'leader-known', { peer: 'c', term: 59 })]))).toEqual([]);
  });

  it('six elections in a minute is the bar for timed lines', () => {
    const n = node('a', 'etcd');
    expect(codes(analyze([n(0, 'leader-known', { peer: 'b', term: 10 }), n(60, 'leader-known', { peer: 'c', term: 16 })]))).toEqual(['ELECTION_STORM']);
    expect(codes(analyze([n(0, 'leader-known', { peer: 'b', term: 10 }), n(61, 'leader-known', { peer: 'c', term: 16 })]))).toEqual([]);
    expect(codes(analyze([n(0, 'leader-known', { peer: 'b', term: 10 }), n(10, 'leader-known', { peer: 'c', term: 15 })]))).toEqual([]);
  });

  it('untimed leaders 30 terms apart are a storm, 29 apart are not', () => {
    const n = node('a', 'etcd');
    expect(codes(analyze([n(undefined, 'leader-known', { peer: 'b', term: 29 }), n(undefined, 'leader-known', { peer: 'c', term: 59 })]))).toEqual(['ELECTION_STORM']);
    expect(codes(analyze([n(undefined, 'leader-known', { peer: 'b', term: 29 }), n(undefined, 'leader-known', { peer: 'c', term: 58 })]))).toEqual([]);
  });

  it('what the node knew before a restart is no reference', () => {
    const n = node('a', 'etcd');
    expect(codes(analyze([n(undefined, 'leader-known', { peer: 'b', term: 29 }), n(undefined, 'node-start', { term: 29 }), n(undefined, 'leader-known', { peer: 'c', term: 90 })]))).toEqual([]);
  });
});
