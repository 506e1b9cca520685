// The state changes the core reports, as typed events. Rendering them into log lines is not the core's
// job: src/shared/log-catalogue.ts maps each to its catalogue line.

import type { NodeId } from './types.js';

interface EventBase {
  node: NodeId;
  term: number;
}

export type StepDownReason = 'check-quorum' | 'removed' | 'higher-term' | 'transfer';
/** newer-term: a follower forwarded a proposal from a term after this leader's (it is likely deposed). */
export type DropReason = 'no-leader' | 'not-leader' | 'newer-term' | 'transferring' | 'conf-change-pending' | 'not-member' | 'invalid-change';

export type RaftEvent = EventBase &
  (
    | { type: 'became-follower'; leader: NodeId }
    | { type: 'became-pre-candidate' }
    | { type: 'became-candidate' }
    | { type: 'became-leader' }
    | { type: 'starting-election'; preVote: boolean; voters: NodeId[]; lastIndex: number; lastTerm: number }
    | { type: 'cast-vote'; candidate: NodeId; preVote: boolean }
    | { type: 'rejected-vote'; candidate: NodeId; preVote: boolean; reason: string }
    | { type: 'leader-changed'; leader: NodeId; previous: NodeId }
    | { type: 'leader-connection-lost'; leader: NodeId; campaignInTicks: number }
    | { type: 'stepped-down'; reason: StepDownReason }
    | { type: 'membership-applied'; index: number; change: string; voters: NodeId[]; learners: NodeId[] }
    | { type: 'membership-change-rejected'; change: string; reason: string }
    | { type: 'proposal-dropped'; reason: DropReason }
    | { type: 'not-a-voter'; voters: NodeId[]; learners: NodeId[] }
    | { type: 'leadership-transfer-started'; to: NodeId }
    | { type: 'committed-entry-conflict'; peer: NodeId; index: number; localTerm: number; leaderTerm: number }
  );

export type RaftEventType = RaftEvent['type'];
