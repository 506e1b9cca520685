// Table tests of single-server membership changes (validate, apply, describe), the bootstrap log,
// and MembershipLog: the memberships a log describes, newest in effect.

import { describe, expect, it } from 'vitest';
import { MembershipLog } from '../../src/raft/confchange.js';
import { applyChange, bootstrapEntries, bootstrapHardState, checkChange, describeChange } from '../../src/raft/membership.js';
import type { ConfChange, Entry, Membership } from '../../src/raft/types.js';

const addr = (id: number): string => `10.0.0.${id}:7000`;
const membership = (voters: number[], learners: number[] = []): Membership => ({
  voters: voters.map((id) => ({ id, addr: addr(id) })),
  learners: learners.map((id) => ({ id, addr: addr(id) })),
});
const ids = (m: Membership): [number[], number[]] => [m.voters.map((v) => v.id), m.learners.map((l) => l.id)];

describe('checkChange and applyChange', () => {
  // Start: voters 1,2,3, learner 4. change -> problem, or the membership after it.
  it.each<[string, ConfChange, string | undefined, [number[], number[]]]>([
    ['add a learner', { type: 'add-learner', id: 5, addr: addr(5) }, undefined, [[1, 2, 3], [4, 5]]],
    ['add a voter', { type: 'add-voter', id: 5, addr: addr(5) }, undefined, [[1, 2, 3, 5], [4]]],
    ['add a learner as voter directly', { type: 'add-voter', id: 4, addr: addr(4) }, undefined, [[1, 2, 3, 4], []]],
    ['promote a learner', { type: 'promote', id: 4 }, undefined, [[1, 2, 3, 4], []]],
    ['remove a voter', { type: 'remove', id: 2 }, undefined, [[1, 3], [4]]],
    ['remove a learner', { type: 'remove', id: 4 }, undefined, [[1, 2, 3], []]],
    ['a voter again', { type: 'add-voter', id: 2, addr: addr(2) }, 'already a voter', [[1, 2, 3], [4]]],
    ['a voter as learner', { type: 'add-learner', id: 2, addr: addr(2) }, 'already a voter', [[1, 2, 3], [4]]],
    ['a learner again', { type: 'add-learner', id: 4, addr: addr(4) }, 'already a learner', [[1, 2, 3], [4]]],
    ['promote a voter', { type: 'promote', id: 1 }, 'already a voter', [[1, 2, 3], [4]]],
    ['promote a stranger', { type: 'promote', id: 9 }, 'not-member', [[1, 2, 3], [4]]],
    ['remove a stranger', { type: 'remove', id: 9 }, 'not-member', [[1, 2, 3], [4]]],
    ['an address in use', { type: 'add-learner', id: 5, addr: addr(1) }, `address ${addr(1)} belongs to member 1`, [[1, 2, 3], [4]]],
  ])('%s', (_name, change, problem, after) => {
    const before = membership([1, 2, 3], [4]);
    expect(checkChange(before, change)).toBe(problem);
    expect(ids(applyChange(before, change))).toEqual(after);
  });

  it('never removes the last voter', () => {
    expect(checkChange(membership([1]), { type: 'remove', id: 1 })).toBe('cannot remove the last voter');
  });

  it.each<[ConfChange, string]>([
    [{ type: 'add-learner', id: 4, addr: '127.0.0.1:9195' }, 'add-learner 4@127.0.0.1:9195'],
    [{ type: 'add-voter', id: 4, addr: '127.0.0.1:9195' }, 'add-voter 4@127.0.0.1:9195'],
    [{ type: 'promote', id: 4 }, 'promote 4'],
    [{ type: 'remove', id: 4 }, 'remove 4'],
  ])('describeChange %j', (change, text) => {
    expect(describeChange(change)).toBe(text);
  });
});

describe('bootstrap', () => {
  it('writes one add-voter per member in id order, committed at term 1', () => {
    const entries = bootstrapEntries([
      { id: 3, addr: addr(3) },
      { id: 1, addr: addr(1) },
    ]);
    expect(entries.map((e) => [e.index, e.term, e.type === 'conf-change' ? describeChange(e.change) : ''])).toEqual([
      [1, 1, `add-voter 1@${addr(1)}`],
      [2, 1, `add-voter 3@${addr(3)}`],
    ]);
    expect(bootstrapHardState([{ id: 1, addr: addr(1) }])).toEqual({ term: 1, vote: 0, commit: 1 });
  });

  it.each<[string, { id: number; addr: string }[], RegExp]>([
    ['no members', [], /at least one/],
    ['duplicate ids', [{ id: 1, addr: addr(1) }, { id: 1, addr: addr(2) }], /duplicate/],
    ['a non-positive id', [{ id: 0, addr: addr(1) }], /positive/],
  ])('refuses %s', (_name, members, error) => {
    expect(() => bootstrapEntries(members)).toThrow(error);
  });
});

describe('MembershipLog', () => {
  const conf = (index: number, change: ConfChange): Entry => ({ type: 'conf-change', term: 2, index, change });
  const normal = (index: number): Entry => ({ type: 'normal', term: 2, index, data: new Uint8Array(0) });

  it('puts the newest change in effect when appended, and a truncation reverts it', () => {
    const confs = new MembershipLog(membership([1, 2, 3]), 10);
    expect(confs.appended([normal(11)])).toBe(false);
    expect(confs.appended([conf(12, { type: 'add-learner', id: 4, addr: addr(4) })])).toBe(true);
    expect(ids(confs.current)).toEqual([[1, 2, 3], [4]]);
    expect(ids(confs.previous)).toEqual([[1, 2, 3], []]);
    expect(confs.pending(11)).toBe(true);
    expect(confs.pending(12)).toBe(false);
    // A new leader's log replaces index 12 on: the change is gone.
    expect(confs.appended([normal(12)])).toBe(true);
    expect(ids(confs.current)).toEqual([[1, 2, 3], []]);
  });

  it('ignores conf changes the snapshot already covers', () => {
    const confs = new MembershipLog(membership([1, 2, 3]), 10);
    expect(confs.appended([conf(9, { type: 'remove', id: 3 })])).toBe(false);
    expect(ids(confs.current)).toEqual([[1, 2, 3], []]);
  });

  it('hands out each committed change once, oldest first', () => {
    const confs = new MembershipLog(membership([1]), 0);
    confs.appended([conf(1, { type: 'add-voter', id: 2, addr: addr(2) }), conf(2, { type: 'add-voter', id: 3, addr: addr(3) })]);
    expect(confs.takeCommitted(1).map((p) => p.index)).toEqual([1]);
    expect(confs.takeCommitted(2).map((p) => [p.index, ids(p.membership)[0]])).toEqual([[2, [1, 2, 3]]]);
    expect(confs.takeCommitted(2)).toEqual([]);
  });

  it('a restarted node does not report again what was committed before', () => {
    const confs = new MembershipLog(membership([1]), 0);
    confs.appended([conf(1, { type: 'add-voter', id: 2, addr: addr(2) })]);
    confs.markReported(1);
    expect(confs.takeCommitted(1)).toEqual([]);
  });

  it('restore makes the snapshot membership the base', () => {
    const confs = new MembershipLog(membership([1]), 0);
    confs.appended([conf(1, { type: 'add-voter', id: 2, addr: addr(2) })]);
    confs.restore({ index: 20, term: 3, membership: membership([5, 6, 7]) });
    expect(ids(confs.current)).toEqual([[5, 6, 7], []]);
    expect(confs.pending(0)).toBe(false);
    expect(confs.takeCommitted(30)).toEqual([]);
  });
});
