// The JSON shapes of the node's admin API (docs/http-api.md) as the client reads them.

export type NodeRole = 'leader' | 'follower' | 'candidate' | 'pre-candidate';
export type MemberKind = 'voter' | 'learner' | 'none';

export interface MemberAddr {
  id: number;
  addr: string;
}

export interface FollowerProgress {
  id: number;
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
  recentActive: boolean;
}

/** GET /v1/status: one node's own view. */
export interface NodeStatus {
  id: number;
  addr: string;
  cluster?: string;
  /** null while a joining node has not adopted its leader's cluster ID. */
  clusterId?: string | null;
  role: NodeRole;
  member: MemberKind;
  term: number;
  /** 0 (or absent) when this node knows no leader. */
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex?: number;
  voters: number[];
  learners: number[];
  members: { id: number; addr: string; role: 'voter' | 'learner' }[];
  pendingConfChange: boolean;
  progress?: FollowerProgress[];
  /** Set when a leader asked this node to overwrite a committed entry; that leader's messages are refused since. */
  divergence?: { peer: number; index: number; localTerm: number; leaderTerm: number; at: string } | null;
  walBytes?: number;
  startedAt?: string;
  version?: string;
}

/** GET /v1/members. */
export interface MembersView {
  leader: number;
  term: number;
  voters: MemberAddr[];
  learners: MemberAddr[];
  pendingConfChange: boolean;
}

export type MembershipChange =
  | { type: 'add-learner'; id: number; addr: string }
  | { type: 'promote'; id: number }
  | { type: 'add-voter'; id: number; addr: string }
  | { type: 'remove'; id: number };

/** POST /v1/members answer. */
export interface MembershipChangeResult {
  index: number;
  voters: MemberAddr[] | number[];
  learners: MemberAddr[] | number[];
}

export interface ProposeResult {
  key: string;
  index: number;
  term: number;
  leader: number;
}

export interface KvValue {
  key: string;
  value: string;
  index: number;
}

export interface TransferResult {
  leader: number;
  term: number;
}

/** The error body every non-2xx /v1/ answer carries. */
export interface ApiErrorBody {
  error: string;
  code: string;
  leader?: number;
  voters?: number[];
}
