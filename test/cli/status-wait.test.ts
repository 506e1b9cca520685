// What `status --wait` waits for, from plain survey data: `leader` before the followers acknowledge it,
// never a deposed leader; `healthy` exactly when status would exit 0, --strict included.
import { describe, expect, it } from 'vitest';
import type { EndpointSample } from '../../src/client/admin-client.js';
import { buildClusterView } from '../../src/client/cluster-status.js';
import { conditionHolds } from '../../src/cli/status-wait.js';
import type { NodeStatus } from '../../src/shared/http-api.js';
import { nodeStatus } from '../support/node-status.js';

const addr = (id: number): string => `127.0.0.1:${25200 + id}`;

const node = (id: number, overrides: Partial<NodeStatus> = {}): NodeStatus => nodeStatus(id, addr, overrides);

const up = (status: NodeStatus): EndpointSample => ({ endpoint: status.addr, status });
const down = (id: number): EndpointSample => ({ endpoint: addr(id), error: 'connection refused' });

describe('conditionHolds', () => {
  it('sees a leader the followers have not acknowledged yet, but the cluster is not healthy then', () => {
    // Just elected at term 6: the followers still name no leader.
    const view = buildClusterView([up(node(1, { term: 6, leader: 0 })), up(node(2, { role: 'leader', term: 6 })), up(node(3, { term: 6, leader: 0 }))]);
    expect(conditionHolds(view, 'leader')).toBe(true);
    expect(conditionHolds(view, 'healthy')).toBe(false);
  });

  it('does not take a leader of an older term for a leader', () => {
    // Node 2 still thinks it leads term 5; the others moved on to an election at term 7.
    const view = buildClusterView([up(node(1, { term: 7, leader: 0, role: 'candidate' })), up(node(2, { role: 'leader' })), up(node(3, { term: 7, leader: 0 }))]);
    expect(view.report.leader).toBe(2);
    expect(conditionHolds(view, 'leader')).toBe(false);
  });

  it('is healthy with one voter down, unless --strict', () => {
    const samples = [up(node(1)), up(node(2, { role: 'leader' })), down(3)];
    expect(conditionHolds(buildClusterView(samples), 'healthy')).toBe(true);
    expect(conditionHolds(buildClusterView(samples, { strict: true }), 'healthy')).toBe(false);
    expect(conditionHolds(buildClusterView(samples, { strict: true }), 'leader')).toBe(true);
  });

  it('has neither without a leader', () => {
    const view = buildClusterView([up(node(1, { leader: 0 })), down(2), down(3)]);
    expect(conditionHolds(view, 'leader')).toBe(false);
    expect(conditionHolds(view, 'healthy')).toBe(false);
  });
});
