// The node's HTTP API (docs/http-api.md) as one set of types and constants for both sides: the node
// answers with these shapes (src/node/http.ts, views.ts) and the client reads them (src/client), so a
// change to an answer is a compile error on the side that did not follow.

export const API_PATHS = {
  status: '/v1/status',
  members: '/v1/members',
  propose: '/v1/propose',
  /** Followed by the URL-encoded key. */
  kv: '/v1/kv/',
  transferLeader: '/v1/transfer-leader',
  health: '/health',
  metrics: '/metrics',
} as const;

/** Every error code a node sends, with its HTTP status. */
export const API_ERROR_STATUS = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  NOT_FOUND: 404,
  CHANGE_IN_PROGRESS: 409,
  REJECTED: 409,
  TOO_LARGE: 413,
  INTERNAL: 500,
  NO_LEADER: 503,
  UNAVAILABLE: 503,
  /** A peer request (stream, snapshot chunk, forwarded write) from another cluster ID: nothing was stepped. */
  CLUSTER_ID_MISMATCH: 409,
  TIMEOUT: 504,
} as const;

export type ApiErrorCode = keyof typeof API_ERROR_STATUS;

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERROR_STATUS, code);
}

/** The body of every non-2xx answer. */
export interface ApiErrorBody {
  error: string;
  code: ApiErrorCode;
  /** The leader, when this node knows one. */
  leader?: number;
  voters?: number[];
}

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
  cluster: string;
  /** The data dir's cluster ID; null while a joining node has not adopted its leader's. */
  clusterId: string | null;
  role: NodeRole;
  member: MemberKind;
  term: number;
  /** 0 when this node knows no leader. */
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  snapshotIndex: number;
  voters: number[];
  learners: number[];
  members: (MemberAddr & { role: 'voter' | 'learner' })[];
  pendingConfChange: boolean;
  /** On the leader only: one row per other member. */
  progress?: FollowerProgress[];
  /** Set once a leader asked this node to overwrite a committed entry; that peer's messages are refused since. */
  divergence: Divergence | null;
  walBytes: number;
  startedAt: string;
  version: string;
}

/** A leader asked this node to overwrite a committed entry (src/raft/log.ts committedConflict). */
export interface Divergence {
  peer: number;
  index: number;
  localTerm: number;
  leaderTerm: number;
  at: string;
}

/** GET /v1/members. */
export interface MembersView {
  leader: number;
  term: number;
  voters: MemberAddr[];
  learners: MemberAddr[];
  pendingConfChange: boolean;
}

/** POST /v1/members. */
export type MembershipChange =
  | { type: 'add-learner'; id: number; addr: string }
  | { type: 'promote'; id: number }
  | { type: 'add-voter'; id: number; addr: string }
  | { type: 'remove'; id: number };

/** POST /v1/members answer: the membership once the change is applied. */
export interface MembershipChangeResult {
  index: number;
  voters: MemberAddr[];
  learners: MemberAddr[];
}

/** POST /v1/propose. */
export interface ProposeRequest {
  key: string;
  value: string;
}

export interface ProposeResult {
  key: string;
  index: number;
  term: number;
  leader: number;
}

/** GET /v1/kv/KEY. */
export interface KvValue {
  key: string;
  value: string;
  /** The applied index the read was served at. */
  index: number;
}

/** POST /v1/transfer-leader. */
export interface TransferRequest {
  id: number;
}

export interface TransferResult {
  leader: number;
  term: number;
}

/** POST /raft/snapshot (node to node): where the sender continues, and whether the file is complete. */
export interface SnapshotChunkAnswer {
  offset: number;
  done: boolean;
}

/** GET /health: 200 with the first, 503 with the second. */
export type HealthAnswer = { health: 'ok'; leader: number; term: number } | { health: 'unhealthy'; reason: string };
