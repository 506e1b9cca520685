// The vocabulary shared by dialect parsers, detectors and renderers: events distilled from log lines,
// and the findings and report shape SPEC.md promises to operators.

export type Severity = 'critical' | 'warning' | 'info';

export const SEVERITY_RANK: Record<Severity, number> = { critical: 3, warning: 2, info: 1 };

export type Dialect =
  | 'chronik-text'
  | 'chronik-json'
  | 'raft-rs'
  | 'tikv'
  | 'rust-tracing'
  | 'etcd-zap'
  | 'etcd-capnslog'
  | 'hashicorp-hclog'
  | 'hashicorp-json'
  | 'hashicorp-legacy'
  | 'chronik-data-dir'
  | 'unknown';

/** Where a line came from, so every finding can point at file:line. */
export interface Evidence {
  file: string;
  line: number;
  text: string;
}

export type EventKind =
  | 'node-start'
  | 'node-stop'
  | 'became-leader'
  | 'became-candidate'
  | 'became-pre-candidate'
  | 'became-follower'
  | 'election-started'
  | 'vote-cast'
  | 'vote-rejected'
  | 'leader-known'
  | 'leader-lost'
  | 'config'
  | 'peers-given'
  | 'dropped-proposal'
  | 'leader-wait-timeout'
  | 'peer-unreachable'
  | 'peer-recovered'
  | 'quorum-lost'
  | 'not-promotable'
  | 'cluster-id'
  | 'cluster-id-mismatch'
  /** chronik refused a leader's append that would overwrite a committed entry (lastIndex: the index). */
  | 'committed-entry-conflict'
  | 'message-produced'
  | 'message-received'
  | 'slow-disk'
  | 'heartbeat-late'
  | 'log-out-of-range'
  | 'removed-member'
  | 'term-seen'
  | 'settings';

/** One fact a line states, in terms independent of the product that logged it. */
export interface RaftEvent {
  kind: EventKind;
  /** Raft group: etcd cluster, TiKV region, else the dialect family (chronik, etcd, hashicorp, raft-rs; "default" when unknown). */
  group: string;
  /** Node identity; filled from the stream's identity when the line itself does not carry one. */
  node?: string;
  time?: number;
  term?: number;
  /** The other party: vote candidate, unreachable peer, leader, message target. */
  peer?: string;
  voters?: string[];
  reason?: string;
  durationMs?: number;
  electionTimeoutMs?: number;
  clusterId?: string;
  lastIndex?: number;
  evidence: Evidence;
}

export interface Finding {
  code: string;
  severity: Severity;
  nodes: string[];
  summary: string;
  count: number;
  firstSeen: string | null;
  lastSeen: string | null;
  evidence: Evidence[];
  remediation: string;
}

export interface FileReport {
  path: string;
  dialect: Dialect;
  node: string | null;
  lines: number;
}

export interface NodeTimeline {
  id: string;
  group: string;
  files: string[];
  firstSeen: string | null;
  lastSeen: string | null;
  firstTerm: number | null;
  lastTerm: number | null;
  electionsStarted: number;
  leaderTerms: number[];
  leadersSeen: string[];
  voters: string[] | null;
  restarts: number;
}

export interface DiagnoseReport {
  files: FileReport[];
  nodes: NodeTimeline[];
  findings: Finding[];
}

export function isoOrNull(time: number | undefined): string | null {
  return time === undefined || !Number.isFinite(time) ? null : new Date(time).toISOString();
}
