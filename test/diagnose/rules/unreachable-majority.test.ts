// A candidate whose vote requests fail for too many voters to win: NO_LEADER from a few lines, events in.
import { describe, expect, it } from 'vitest';
import { alarms, analyze, codes, find, node } from './feed.js';

describe('a candidate that cannot reach a majority', () => {
  const n = node('10.0.0.1:8300', 'hashicorp');
  const failed = (peer: string) => n(undefined, 'peer-unreachable', { peer, reason: 'failed to make requestvote rpc' });

  it('vote requests failing for every other peer its lines name, untimed, is NO_LEADER', () => {
    const findings = analyze([n(undefined, 'election-started'), n(undefined, 'became-candidate', { term: 943 }), failed('10.0.0.2:8300'), failed('10.0.0.3:8300'), failed('10.0.0.2:8300')]);
    expect(codes(findings)).toEqual(['NO_LEADER']);
    expect(find(findings, 'NO_LEADER')).toMatchObject({ count: 2, evidence: [{ line: 1 }, { line: 3 }, { line: 4 }] });
    expect(find(findings, 'NO_LEADER')!.summary).toContain('at term 943 and could reach 1 of 3 voters');
  });

  it('with a known voter set, failures to a minority of it are not', () => {
    const five = ['10.0.0.1:8300', '10.0.0.2:8300', '10.0.0.3:8300', '10.0.0.4:8300', '10.0.0.5:8300'];
    const start = [n(undefined, 'config', { voters: five }), n(undefined, 'became-candidate', { term: 7 })];
    expect(codes(analyze([...start, failed('10.0.0.2:8300'), failed('10.0.0.3:8300')]))).toEqual([]);
    expect(codes(analyze([...start, failed('10.0.0.2:8300'), failed('10.0.0.3:8300'), failed('10.0.0.4:8300')]))).toEqual(['NO_LEADER']);
  });

  it('a single failed peer with no voter set named is not enough', () => {
    expect(codes(analyze([n(undefined, 'became-candidate', { term: 3 }), failed('10.0.0.2:8300')]))).toEqual([]);
  });

  it('a candidate that wins anyway (a healthy re-election with one member restarting) stays quiet', () => {
    const events = [n(0, 'became-candidate', { term: 3 }), failed('10.0.0.2:8300'), failed('10.0.0.3:8300'), n(1, 'became-leader', { term: 3 })];
    expect(alarms(analyze(events))).toEqual([]);
  });

  it('a peer it heard from is not counted as unreachable', () => {
    const events = [n(undefined, 'became-candidate', { term: 3 }), failed('10.0.0.2:8300'), failed('10.0.0.3:8300'), n(undefined, 'vote-rejected', { peer: '10.0.0.3:8300' })];
    expect(codes(analyze(events))).toEqual([]);
  });

  it('while another member follows a leader, only this node is cut off', () => {
    const other = node('10.0.0.2:8300', 'hashicorp');
    const events = [other(0, 'leader-known', { peer: '10.0.0.3:8300' }), n(1, 'became-candidate', { term: 9 }), n(1, 'peer-unreachable', { peer: '10.0.0.2:8300' }), n(2, 'peer-unreachable', { peer: '10.0.0.3:8300' }), other(5, 'term-seen', { term: 9 })];
    expect(codes(analyze(events))).toEqual(['NODE_ISOLATED', 'PEER_UNREACHABLE']);
  });
});
