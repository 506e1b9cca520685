// The Raft core's public surface: the node, its storage, membership helpers, events and types.

export { RaftNode, type MemberProgress, type Status } from './node.js';
export type { ProposeResult, RaftConfig, RequestResult } from './config.js';
export {
  CompactedError,
  MemoryStorage,
  UnavailableError,
  emptyHardState,
  emptyMembership,
  type InitialState,
  type Storage,
} from './storage.js';
export {
  BOOTSTRAP_TERM,
  applyChange,
  bootstrapEntries,
  bootstrapHardState,
  checkChange,
  describeChange,
  isMember,
  isVoter,
  learnerIds,
  voterIds,
} from './membership.js';
export type { DropReason, RaftEvent, RaftEventType, StepDownReason } from './events.js';
export type { ProgressState } from './progress.js';
export * from './types.js';
