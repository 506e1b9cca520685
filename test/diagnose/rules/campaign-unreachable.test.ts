// PEER_UNREACHABLE through a failing campaign (detectors/campaign-unreachable.ts), events in, findings out.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, find, node } from './feed.js';

const VOTE_FAILED = 'failed to make requestvote rpc';

describe('a peer unreachable through a failing campaign', () => {
  it('a voter refusing connections in two of three attempts with no leader is PEER_UNREACHABLE next to NO_LEADER', () => {
    const n = node('vault-0', 'hashicorp');
    const attempt = (t: number, term: number) => [n(t, 'election-started', { reason: 'restart' }), n(t, 'became-candidate', { term })];
    const events = [
      ...attempt(0, 6),
      n(0.1, 'peer-unreachable', { peer: 'vault-1', reason: VOTE_FAILED }),
      ...attempt(8.7, 7),
      n(8.8, 'peer-unreachable', { peer: 'vault-1', reason: VOTE_FAILED }),
      ...attempt(14.5, 8),
    ];
    const findings = analyze(events);
    expect(codes(findings)).toEqual(['NO_LEADER', 'PEER_UNREACHABLE']);
    expect(find(findings, 'PEER_UNREACHABLE')!.summary).toBe('node vault-0 could not reach peer vault-1 in 2 of its 3 election attempts, with no leader in between');
  });

  it('a failed vote request before the first attempt line stands for the attempt that sent it', () => {
    const n = node('10.185.3.2:8300', 'hashicorp');
    const events = [
      n(0, 'peer-unreachable', { peer: '10.185.78.24:8300', reason: VOTE_FAILED }),
      n(1, 'election-started'),
      n(1, 'became-candidate'),
      n(2, 'peer-unreachable', { peer: '10.185.78.24:8300', reason: VOTE_FAILED }),
      n(3, 'election-started'),
      n(3, 'became-candidate'),
      n(4, 'peer-unreachable', { peer: '10.185.78.24:8300', reason: VOTE_FAILED }),
    ];
    expect(find(analyze(events), 'PEER_UNREACHABLE')!.summary).toBe('node 10.185.3.2:8300 could not reach peer 10.185.78.24:8300 in 3 of its 3 election attempts, with no leader in between');
    // A failure that is not a vote request (a leader's heartbeat) says nothing of an attempt.
    const m = node('10.185.3.2:8300', 'hashicorp');
    const heartbeat = [m(0, 'peer-unreachable', { peer: 'p', reason: 'failed to heartbeat' }), m(1, 'election-started'), m(2, 'peer-unreachable', { peer: 'p', reason: VOTE_FAILED }), m(3, 'election-started'), m(4, 'peer-unreachable', { peer: 'p', reason: VOTE_FAILED })];
    expect(codes(analyze(heartbeat))).not.toContain('PEER_UNREACHABLE');
  });

  it('the old leader down through a re-election that wins in two attempts is quiet', () => {
    const n = node('b', 'hashicorp');
    const events = [
      n(0, 'leader-known', { peer: 'a' }),
      n(5, 'election-started'),
      n(5.1, 'peer-unreachable', { peer: 'a', reason: VOTE_FAILED }),
      n(7, 'election-started'),
      n(7.1, 'peer-unreachable', { peer: 'a', reason: VOTE_FAILED }),
      n(7.2, 'became-leader'),
    ];
    expect(alarms(analyze(events))).toEqual([]);
  });

  it('one failure in a long campaign, or a peer whose own log shows it restarting, is not enough', () => {
    const n = node('c', 'hashicorp');
    const campaign = [n(0, 'election-started'), n(0.1, 'peer-unreachable', { peer: 'd', reason: VOTE_FAILED }), n(3, 'election-started'), n(6, 'election-started')];
    expect(codes(analyze(campaign))).not.toContain('PEER_UNREACHABLE');
    const twice = [n(0, 'election-started'), n(0.1, 'peer-unreachable', { peer: 'd', reason: VOTE_FAILED }), n(3, 'election-started'), n(3.1, 'peer-unreachable', { peer: 'd', reason: VOTE_FAILED }), n(6, 'election-started')];
    expect(codes(analyze(twice))).toContain('PEER_UNREACHABLE');
    const d = node('d', 'hashicorp');
    expect(codes(analyze([...twice, d(2, 'node-start')]))).not.toContain('PEER_UNREACHABLE');
    // Three attempts within a second are one election timeout's worth, not a campaign: quiet.
    const quick = [n(0, 'election-started'), n(0.1, 'peer-unreachable', { peer: 'd', reason: VOTE_FAILED }), n(0.3, 'election-started'), n(0.4, 'peer-unreachable', { peer: 'd', reason: VOTE_FAILED }), n(0.6, 'election-started')];
    expect(codes(analyze(quick, [['c', 'hashicorp', 0.6]]))).not.toContain('PEER_UNREACHABLE');
  });
});
