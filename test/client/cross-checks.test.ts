import { describe, expect, it } from 'vitest';
import { buildClusterView, type SampleStatus, type StatusSample } from '../../src/client/cluster-status.js';

// etcd-like members: 64-bit ids in hex, names, and a cluster ID on every answer.
const ids = ['8e9e05c52164694d', 'a8266ecf031671f3', 'c2aa4b5e1f4f8b21'];
const addr = (i: number): string => `127.0.0.1:${25300 + i}`;

function member(i: number, overrides: Partial<SampleStatus> = {}): StatusSample {
  const status: SampleStatus = {
    id: ids[i] as string,
    name: `m${i}`,
    role: 'follower',
    member: 'voter',
    term: 4,
    leader: ids[0] as string,
    commitIndex: 20,
    appliedIndex: 20,
    voters: ids,
    learners: [],
    members: ids.map((id, j) => ({ id, addr: addr(j), name: `m${j}` })),
    clusterId: 'cdf818194e3a8c32',
    ...overrides,
  };
  return { endpoint: addr(i), status };
}

describe('the checks across answers', () => {
  it('names a down member by id and name, with string ids in a stable order', () => {
    const view = buildClusterView([member(0, { role: 'leader' }), member(1), { endpoint: addr(2), error: 'connection refused' }], { kind: 'etcd' });
    expect(view.report).toMatchObject({ kind: 'etcd', clusterId: 'cdf818194e3a8c32', healthy: true, leader: ids[0], voters: ids });
    expect(view.verdict).toBe('degraded');
    expect(view.report.problems).toEqual([{ code: 'VOTER_UNREACHABLE', message: `voter ${ids[2]} (m2) at ${addr(2)} is unreachable: connection refused` }]);
  });

  it('keeps a member of another cluster out of the verdict and reports the cluster ID mismatch', () => {
    const stray: StatusSample = {
      endpoint: '127.0.0.1:25399',
      status: { ...(member(0).status as SampleStatus), id: 'ffff', name: 'other', role: 'leader', leader: 'ffff', term: 9, voters: ['ffff'], members: [{ id: 'ffff', addr: '127.0.0.1:25399' }], clusterId: '1234' },
    };
    const view = buildClusterView([stray, member(0, { role: 'leader' }), member(1), member(2)], { kind: 'etcd' });
    expect(view.report.leader).toBe(ids[0]);
    expect(view.report.clusterId).toBe('cdf818194e3a8c32');
    expect(view.report.healthy).toBe(true);
    expect(view.report.problems.map((p) => p.code)).toEqual(['CLUSTER_ID_MISMATCH']);
    expect(view.report.problems[0]?.message).toMatch(/^node ffff \(other\) at 127\.0\.0\.1:25399 belongs to cluster 1234, the other members to cluster cdf818194e3a8c32/);
    expect(view.health.at(-1)).toBe('other cluster');
  });

  it('reports two leaders at one term as SPLIT_BRAIN and an older one as STALE_LEADER', () => {
    const split = buildClusterView([member(0, { role: 'leader' }), member(1, { role: 'leader', leader: ids[1] as string }), member(2)]);
    expect(split.report.problems.map((p) => p.code)).toContain('SPLIT_BRAIN');
    const stale = buildClusterView([member(0, { role: 'leader', term: 3 }), member(1, { role: 'leader', leader: ids[1] as string, term: 5 }), member(2, { leader: ids[1] as string, term: 5 })]);
    expect(stale.report.leader).toBe(ids[1]);
    expect(stale.report.problems.find((p) => p.code === 'STALE_LEADER')?.message).toBe(`node ${ids[0]} still believes it leads at term 3, node ${ids[1]} leads at term 5: it is cut off from the others`);
  });

  it('has no quorum when the leader is acknowledged by a minority', () => {
    const view = buildClusterView([member(0, { role: 'leader' }), member(1, { leader: null, role: 'candidate', term: 6 }), member(2, { leader: null, role: 'candidate', term: 6 })]);
    expect(view.verdict).toBe('no-quorum');
    expect(view.report.healthy).toBe(false);
  });
});
