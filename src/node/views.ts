// JSON views of the node for /v1/status and /v1/members, and the admission rules for membership requests
// (idempotent re-adds, same id at another address, last voter) checked before anything is proposed.
import type { Status as RaftStatus } from '../raft/index.js';
import type { ConfChange, Membership, SoftState } from '../raft/types.js';
import type { Divergence, MembersView, NodeStatus } from '../shared/http-api.js';
import { ApiError } from './api-error.js';
import { memberIds } from './membership.js';
import type { NodeConfig } from './node-config.js';

const VERSION = '0.1.0';

export function statusJson(
  config: NodeConfig,
  clusterId: string | undefined,
  divergence: Divergence | undefined,
  raft: RaftStatus,
  soft: SoftState,
  membership: Membership,
  applied: number,
  snapshotIndex: number,
  walBytes: number,
  startedAt: string,
): NodeStatus {
  const id = config.nodeId;
  const member = membership.voters.some((m) => m.id === id) ? 'voter' : membership.learners.some((m) => m.id === id) ? 'learner' : 'none';
  return {
    id,
    addr: config.advertise,
    cluster: config.cluster,
    clusterId: clusterId ?? null,
    role: soft.role,
    member,
    term: raft.term,
    leader: soft.leader,
    commitIndex: raft.commit,
    appliedIndex: applied,
    lastIndex: raft.lastIndex,
    snapshotIndex,
    voters: memberIds(membership.voters),
    learners: memberIds(membership.learners),
    members: [
      ...membership.voters.map((m) => ({ id: m.id, addr: m.addr, role: 'voter' as const })),
      ...membership.learners.map((m) => ({ id: m.id, addr: m.addr, role: 'learner' as const })),
    ],
    pendingConfChange: raft.pendingConfChange,
    ...(soft.role === 'leader'
      ? {
          progress: (raft.progress ?? [])
            .filter((p) => p.id !== id)
            .map((p) => ({ id: p.id, match: p.match, next: p.next, state: p.state, recentActive: p.recentActive })),
        }
      : {}),
    divergence: divergence ?? null,
    walBytes,
    startedAt,
    version: VERSION,
  };
}

export function membersJson(membership: Membership, leader: number, raft: RaftStatus): MembersView {
  return {
    leader,
    term: raft.term,
    voters: membership.voters,
    learners: membership.learners,
    pendingConfChange: raft.pendingConfChange,
  };
}

/**
 * 'no-op' when the change is already in effect (docs/http-api.md: succeed without a new entry), an ApiError
 * when it must be refused, 'propose' otherwise.
 */
export function changeOutcome(membership: Membership, change: ConfChange, pending: boolean): 'no-op' | 'propose' | ApiError {
  const voter = membership.voters.find((m) => m.id === change.id);
  const learner = membership.learners.find((m) => m.id === change.id);
  const existing = voter ?? learner;
  switch (change.type) {
    case 'add-learner':
    case 'add-voter':
      if (existing !== undefined && existing.addr !== change.addr) {
        return new ApiError('REJECTED', `node ${change.id} is already a member at ${existing.addr}, not ${change.addr}; remove it first`);
      }
      if (change.type === 'add-learner' && learner !== undefined) return 'no-op';
      if (change.type === 'add-learner' && voter !== undefined) return new ApiError('REJECTED', `node ${change.id} is already a voter`);
      if (change.type === 'add-voter' && voter !== undefined) return 'no-op';
      break;
    case 'promote':
      if (voter !== undefined) return 'no-op';
      if (learner === undefined) return new ApiError('NOT_FOUND', `node ${change.id} is not a learner`);
      break;
    case 'remove':
      if (existing === undefined) return new ApiError('NOT_FOUND', `node ${change.id} is not a member`);
      if (voter !== undefined && membership.voters.length === 1) return new ApiError('REJECTED', `node ${change.id} is the last voter`);
      break;
  }
  if (pending) return new ApiError('CHANGE_IN_PROGRESS', 'another membership change has not been applied yet');
  return 'propose';
}
