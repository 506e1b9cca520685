// One node's answer in the shape the shared status verdict reads, whatever product gave it: chronik's
// /v1/status fits it as is; each adapter in src/client/attach/ turns its product's answers into it.
import type { MemberKind, NodeRole } from '../shared/http-api.js';

export const PRODUCT_KINDS = ['chronik', 'etcd', 'consul', 'nomad', 'vault', 'rqlite'] as const;
export type ProductKind = (typeof PRODUCT_KINDS)[number];

/** chronik's ids are small integers; etcd's are 64-bit (shown in hex, as etcdctl does), Consul's are names. */
export type MemberId = number | string;

export interface SampleStatus {
  id: MemberId;
  name?: string;
  role: NodeRole;
  member: MemberKind;
  term: number;
  /** The leader this node follows; 0, '' or null when it knows none. */
  leader: MemberId | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex?: number;
  voters: readonly MemberId[];
  learners: readonly MemberId[];
  members: readonly { id: MemberId; addr: string; name?: string }[];
  /** null (chronik) or absent while unknown: a joining node before its leader's first message. */
  clusterId?: string | null;
  /** chronik: a leader asked this node to overwrite a committed entry (docs/runbooks/COMMITTED_ENTRY_CONFLICT.md). */
  divergence?: { peer: MemberId; index: number; localTerm: number; leaderTerm: number; at: string } | null;
}

/** The cluster ID a node names, if any (chronik says null, other products leave it out). */
export function clusterIdOf(s: SampleStatus): string | undefined {
  return s.clusterId ?? undefined;
}

/** What one endpoint said when asked for its status. */
export interface StatusSample {
  endpoint: string;
  status?: SampleStatus;
  error?: string;
}

export function isLeaderId(id: MemberId | null | undefined): id is MemberId {
  return id !== null && id !== undefined && id !== 0 && id !== '';
}

/** Numbers in numeric order, then strings in code-point order, so rows keep a stable order. */
export function compareIds(a: MemberId, b: MemberId): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
