import { describe, expect, it } from 'vitest';
import type { EndpointSample } from '../../src/client/admin-client.js';
import { buildClusterView, LAG_THRESHOLD } from '../../src/client/cluster-status.js';
import type { NodeStatus } from '../../src/shared/http-api.js';
import { nodeStatus } from '../support/node-status.js';

const addr = (id: number): string => `127.0.0.1:${25100 + id}`;

const node = (id: number, overrides: Partial<NodeStatus> = {}): NodeStatus => nodeStatus(id, addr, overrides);

const up = (status: NodeStatus): EndpointSample => ({ endpoint: status.addr, status });
const down = (id: number, error = 'connection refused'): EndpointSample => ({ endpoint: addr(id), error });

describe('buildClusterView', () => {
  it('is healthy when the leader is acknowledged by every voter', () => {
    const view = buildClusterView([up(node(1)), up(node(2, { role: 'leader' })), up(node(3))]);
    expect(view.verdict).toBe('healthy');
    expect(view.verdictLine).toBe('healthy: leader 2 at term 5, 3/3 voters reachable');
    expect(view.report).toMatchObject({ healthy: true, leader: 2, term: 5, voters: [1, 2, 3], learners: [], problems: [] });
    expect(view.health).toEqual(['ok', 'ok', 'ok']);
  });

  it('has exactly the keys of SPEC.md in each reachable node row', () => {
    const view = buildClusterView([up(node(2, { role: 'leader' }))]);
    expect(Object.keys(view.report)).toEqual(['kind', 'healthy', 'leader', 'term', 'voters', 'learners', 'problems', 'nodes']);
    expect(Object.keys(view.report.nodes.find((n) => n.id === 2) ?? {})).toEqual([
      'id', 'endpoint', 'reachable', 'role', 'member', 'term', 'leader', 'commitIndex', 'appliedIndex', 'lastIndex', 'voters', 'learners',
    ]);
  });

  it('stays healthy but degraded with one voter of three down, and keeps its row', () => {
    const view = buildClusterView([up(node(1)), up(node(2, { role: 'leader' })), down(3)]);
    expect(view.report.healthy).toBe(true);
    expect(view.verdict).toBe('degraded');
    expect(view.verdictLine).toBe('degraded: leader 2 at term 5, 2/3 voters reachable; VOTER_UNREACHABLE');
    expect(view.report.nodes[2]).toEqual({ id: 3, endpoint: addr(3), reachable: false, member: 'voter', error: 'connection refused' });
    expect(view.report.problems).toEqual([{ code: 'VOTER_UNREACHABLE', message: `voter 3 at ${addr(3)} is unreachable: connection refused` }]);
  });

  it('fails the degraded case under --strict', () => {
    const view = buildClusterView([up(node(1)), up(node(2, { role: 'leader' })), down(3)], { strict: true });
    expect(view.report.healthy).toBe(false);
    expect(view.verdictLine).toMatch(/^UNHEALTHY \(--strict\): leader 2 at term 5/);
  });

  it('reports no leader with the quorum arithmetic when two of three are down', () => {
    const view = buildClusterView([up(node(1, { leader: 0, role: 'pre-candidate' })), down(2), down(3)]);
    expect(view.report.healthy).toBe(false);
    expect(view.report.leader).toBeNull();
    expect(view.verdictLine).toBe('NO LEADER: 1/3 voters reachable, quorum needs 2');
    expect(view.report.problems.map((p) => p.code)).toEqual(['NO_LEADER', 'QUORUM_LOST', 'VOTER_UNREACHABLE', 'VOTER_UNREACHABLE']);
    expect(view.health).toEqual(['no leader', 'unreachable', 'unreachable']);
  });

  it('does not trust a leader that only it believes in', () => {
    const view = buildClusterView([up(node(1, { role: 'leader', leader: 1, term: 7 })), up(node(2, { leader: 3, term: 8 })), up(node(3, { role: 'leader', leader: 3, term: 8 }))]);
    expect(view.report.leader).toBe(3);
    expect(view.report.term).toBe(8);
    expect(view.health[0]).toBe('stale');
    const lonely = buildClusterView([up(node(1, { role: 'leader', leader: 1 })), up(node(2, { leader: 0 })), up(node(3, { leader: 0 }))]);
    expect(lonely.verdict).toBe('no-quorum');
    expect(lonely.verdictLine).toBe('NO QUORUM: leader 1 at term 5 is acknowledged by 1/3 voters, quorum needs 2');
    expect(lonely.report.healthy).toBe(false);
  });

  it('flags an empty voter set, the failure chronik exists for', () => {
    const view = buildClusterView([up(node(1, { voters: [], members: [], leader: 0, term: 0 }))]);
    expect(view.verdict).toBe('no-voters');
    expect(view.report.healthy).toBe(false);
    expect(view.report.problems[0]?.code).toBe('EMPTY_VOTERS');
  });

  it('marks lagging voters, and fails them only under --strict', () => {
    const behind = node(3, { appliedIndex: 10, commitIndex: 10 });
    const leader = node(2, { role: 'leader', commitIndex: 10 + LAG_THRESHOLD + 1, appliedIndex: 10 + LAG_THRESHOLD + 1 });
    const view = buildClusterView([up(node(1, { appliedIndex: leader.commitIndex })), up(leader), up(behind)]);
    expect(view.lag).toEqual([0, 0, LAG_THRESHOLD + 1]);
    expect(view.health[2]).toBe('lagging');
    expect(view.report.healthy).toBe(true);
    expect(view.report.problems[0]?.code).toBe('VOTER_LAGGING');
    expect(buildClusterView([up(node(1)), up(leader), up(behind)], { strict: true }).report.healthy).toBe(false);
  });

  it('shows a node waiting to join as not a member, with the add-voter line', () => {
    const joiner = node(4, { member: 'none', voters: [], learners: [], members: [], leader: 0, term: 0 });
    const view = buildClusterView([up(node(1)), up(node(2, { role: 'leader' })), up(node(3)), up(joiner)]);
    expect(view.report.healthy).toBe(true);
    expect(view.health[3]).toBe('not a member');
    expect(view.report.problems).toEqual([{ code: 'NOT_A_MEMBER', message: `node 4 at ${addr(4)} answers but is not a member; add it with chronik add-voter 4@${addr(4)}` }]);
  });

  it('keeps an unreachable endpoint that is not a member as a row without an id', () => {
    const view = buildClusterView([up(node(2, { role: 'leader', voters: [2], members: [{ id: 2, addr: addr(2), role: 'voter' }] })), down(9)]);
    expect(view.report.nodes[1]).toEqual({ id: null, endpoint: addr(9), reachable: false, error: 'connection refused' });
    expect(view.report.problems[0]?.code).toBe('ENDPOINT_UNREACHABLE');
  });
});

describe('buildClusterView with a removed node still running', () => {
  it('calls it not a member rather than a voter mismatch', () => {
    const two = { voters: [2, 3], members: [{ id: 2, addr: addr(2), role: 'voter' as const }, { id: 3, addr: addr(3), role: 'voter' as const }] };
    const view = buildClusterView([up(node(1, { role: 'pre-candidate', leader: 0 })), up(node(2, { ...two, role: 'leader' })), up(node(3, two))]);
    expect(view.report.healthy).toBe(true);
    expect(view.report.problems).toEqual([{ code: 'NOT_A_MEMBER', message: `node 1 at ${addr(1)} answers but is not a member; it was removed; stop it, or add it back with chronik add-voter` }]);
    expect(view.health[2]).toBe('not a member');
  });
});

describe('buildClusterView with only a --join node answering', () => {
  it('says it waits to be added instead of reporting the empty-voters bug', () => {
    const joiner = node(4, { member: 'none', voters: [], learners: [], members: [], leader: 0, term: 0 });
    const view = buildClusterView([up(joiner)]);
    expect(view.report.healthy).toBe(false);
    expect(view.verdictLine).toBe('NO VOTERS KNOWN: only nodes waiting to join answer (4); ask a member, or add them with chronik add-voter');
    expect(view.report.problems.map((p) => p.code)).toEqual(['NOT_A_MEMBER']);
  });
});
