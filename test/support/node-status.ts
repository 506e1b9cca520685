// A /v1/status answer as plain data, for the tests that judge surveys without nodes (the verdict, its
// views, status --wait): a follower of leader 2 at term 5 with voters [1,2,3], addresses from `addr`.
import type { NodeStatus } from '../../src/shared/http-api.js';

export function nodeStatus(id: number, addr: (id: number) => string, overrides: Partial<NodeStatus> = {}): NodeStatus {
  const voters = overrides.voters ?? [1, 2, 3];
  return {
    id,
    addr: addr(id),
    role: 'follower',
    member: 'voter',
    term: 5,
    leader: 2,
    commitIndex: 10,
    appliedIndex: 10,
    lastIndex: 10,
    snapshotIndex: 0,
    cluster: 'test',
    clusterId: null,
    divergence: null,
    walBytes: 0,
    startedAt: '2026-12-07T00:00:00.000Z',
    version: '0.1.0',
    voters,
    learners: [],
    members: voters.map((v) => ({ id: v, addr: addr(v), role: 'voter' as const })),
    pendingConfChange: false,
    ...overrides,
  };
}
