// The state changes the core reports, and their rendering into docs/logging.md's catalogue
// (message text, level, fields), so the runtime's log lines and the tests agree on one mapping.

import type { NodeId } from './types.js';

interface EventBase {
  node: NodeId;
  term: number;
}

export type StepDownReason = 'check-quorum' | 'removed' | 'higher-term' | 'transfer';
export type DropReason = 'no-leader' | 'not-leader' | 'transferring' | 'conf-change-pending' | 'not-member' | 'invalid-change';

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
    | { type: 'stepped-down'; reason: StepDownReason }
    | { type: 'membership-applied'; index: number; change: string; voters: NodeId[]; learners: NodeId[] }
    | { type: 'membership-change-rejected'; change: string; reason: string }
    | { type: 'proposal-dropped'; reason: DropReason }
    | { type: 'not-a-voter'; voters: NodeId[]; learners: NodeId[] }
    | { type: 'leadership-transfer-started'; to: NodeId }
    | { type: 'committed-entry-conflict'; peer: NodeId; index: number; localTerm: number; leaderTerm: number }
  );

export type RaftEventType = RaftEvent['type'];

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type FieldValue = string | number | boolean | number[];

export interface LogRecord {
  level: LogLevel;
  msg: string;
  /** node and term first, then the catalogue's fields, in the catalogue's order. */
  fields: Record<string, FieldValue>;
}

/** The catalogue line for an event. */
export function eventMessage(event: RaftEvent): LogRecord {
  const base = { node: event.node, term: event.term };
  switch (event.type) {
    case 'became-follower':
      return { level: 'info', msg: 'became follower', fields: { ...base, leader: event.leader } };
    case 'became-pre-candidate':
      return { level: 'info', msg: 'became pre-candidate', fields: base };
    case 'became-candidate':
      return { level: 'info', msg: 'became candidate', fields: base };
    case 'became-leader':
      return { level: 'info', msg: 'became leader', fields: base };
    case 'starting-election':
      return {
        level: 'info',
        msg: 'starting election',
        fields: {
          ...base,
          pre_vote: event.preVote,
          voters: event.voters,
          last_index: event.lastIndex,
          last_term: event.lastTerm,
        },
      };
    case 'cast-vote':
      return { level: 'info', msg: 'cast vote', fields: { ...base, candidate: event.candidate, pre_vote: event.preVote } };
    case 'rejected-vote':
      return {
        level: 'info',
        msg: 'rejected vote',
        fields: { ...base, candidate: event.candidate, pre_vote: event.preVote, reason: event.reason },
      };
    case 'leader-changed':
      return { level: 'info', msg: 'leader changed', fields: { ...base, leader: event.leader, previous: event.previous } };
    case 'stepped-down':
      return { level: 'warn', msg: 'stepped down', fields: { ...base, reason: event.reason } };
    case 'membership-applied':
      return {
        level: 'info',
        msg: 'membership applied',
        fields: { ...base, index: event.index, change: event.change, voters: event.voters, learners: event.learners },
      };
    case 'membership-change-rejected':
      return {
        level: 'warn',
        msg: 'membership change rejected',
        fields: { ...base, change: event.change, reason: event.reason },
      };
    case 'proposal-dropped':
      return { level: 'warn', msg: 'proposal dropped', fields: { ...base, reason: event.reason } };
    case 'not-a-voter':
      return {
        level: 'warn',
        msg: 'not a voter; will not campaign',
        fields: { ...base, voters: event.voters, learners: event.learners },
      };
    case 'leadership-transfer-started':
      return { level: 'info', msg: 'leadership transfer started', fields: { ...base, to: event.to } };
    case 'committed-entry-conflict':
      return {
        level: 'error',
        msg: 'committed entry conflict',
        fields: { ...base, peer: event.peer, index: event.index, local_term: event.localTerm, leader_term: event.leaderTerm },
      };
  }
}
