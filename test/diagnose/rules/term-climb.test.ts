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

  it('two unanswered attempts seven terms beyond the log term: NO_LEADER, no storm', () => {
    const n = node('f54e', 'default');
    const attempt = (term: number) => [n(undefined, 'election-started', { term }), n(undefined, 'became-candidate', { term: term + 1 }), n(undefined, 'vote-requested', { term: term + 1, logTerm: 8, peer: '3714' })];
    const findings = analyze([...attempt(13), ...attempt(14)]);
    expect(codes(findings)).toEqual(['NO_LEADER']);
    expect(find(findings, 'NO_LEADER')!.summary).toBe('node f54e campaigns at term 15 while the last entry in its log is from term 8, and no leader answers: 7 election(s) since a leader last reached it');
    // Two terms beyond, or answered by a leader, is an ordinary re-election.
    expect(codes(analyze([n(undefined, 'election-started', { term: 9 }), n(undefined, 'vote-requested', { term: 10, logTerm: 8 })]))).toEqual([]);
    expect(alarms(analyze([...attempt(13), ...attempt(14), n(undefined, 'became-leader', { term: 15 })]))).toEqual([]);
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

  it('with no reference, a campaign seen failing at term 100 or more: hundreds of elections, still failing', () => {
    const n = node('172.19.0.182:8300', 'hashicorp');
    const events = [n(0, 'election-started'), n(0, 'became-candidate', { term: 2172 }), n(2, 'election-started', { reason: 'restart' }), n(2, 'became-candidate', { term: 2173 })];
    const findings = analyze(events);
    expect(codes(findings)).toEqual(['ELECTION_STORM', 'NO_LEADER']);
    expect(find(findings, 'ELECTION_STORM')!.summary).toContain('is at term 2173 while its elections keep failing');
    // One campaign at a high term that wins is an ordinary re-election in an old cluster.
    expect(alarms(analyze([n(0, 'election-started'), n(0, 'became-candidate', { term: 944 }), n(0, 'became-leader', { term: 944 })]))).toEqual([]);
    // Nor is a single attempt with nothing showing it failed.
    expect(alarms(analyze([n(0, 'election-started'), n(0, 'became-candidate', { term: 944 })]))).toEqual([]);
    expect(alarms(analyze([n(0, 'election-started'), n(0, 'became-candidate', { term: 98 }), n(2, 'election-started', { reason: 'restart' }), n(2, 'became-candidate', { term: 99 })]))).toEqual([]);
  });

  it('a leader just lost is a reference: term 3 to 24 within a second is a storm', () => {
    const n = node('6e5d', 'etcd');
    const findings = analyze([n(0, 'leader-lost', { peer: 'aaea', term: 3 }), n(0.26, 'became-follower', { term: 24 })]);
    expect(find(findings, 'ELECTION_STORM')!.summary).toBe('node 6e5d is at term 24 while the last leader it had was at term 3: 21 election(s) within 0s that its own logged attempts do not account for');
  });

  it('what the node knew before a restart is no reference', () => {
    const n = node('a', 'etcd');
    expect(codes(analyze([n(undefined, 'leader-known', { peer: 'b', term: 29 }), n(undefined, 'node-start', { term: 29 }), n(undefined, 'leader-known', { peer: 'c', term: 90 })]))).toEqual([]);
  });
});
