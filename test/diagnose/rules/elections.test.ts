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

  it('a restart keeping its log is not', () => {
    const n = node('3');
    expect(codes(analyze([n(0, 'became-leader', { term: 5 }), n(600, 'node-start', { term: 5, lastIndex: 40 })]))).toEqual([]);
  });
});
