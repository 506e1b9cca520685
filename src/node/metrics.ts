// The node's Prometheus metrics (docs/http-api.md) on prom-client: chronik's own, plus the process, heap,
// GC and event-loop-lag metrics prom-client collects for any Node.js process. One registry per node, so
// nodes sharing a process (tests) do not share figures.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metrics the runtime updates; the gauges read live values from it at scrape time instead. */
export interface NodeMetrics {
  registry: Registry;
  leaderChanges: Counter;
  proposalsCommitted: Counter;
  proposalsFailed: Counter;
  walFsync: Histogram;
  peerSentBytes: Counter<'peer'>;
  peerReceivedBytes: Counter<'peer'>;
  /** Peer requests refused before the core: reason cluster-id (another cluster) or diverged (asked to overwrite a committed entry). */
  peerRefused: Counter<'reason'>;
}

export interface NodeGauges {
  hasLeader(): number;
  isLeader(): number;
  term(): number;
  commitIndex(): number;
  appliedIndex(): number;
  lastIndex(): number;
  proposalsPending(): number;
  snapshotIndex(): number;
  walBytes(): number;
}

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

const WAL_FSYNC_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export function createNodeMetrics(gauges: NodeGauges): NodeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  // Read at scrape time, so a gauge can never go stale.
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({ name, help, registers: [registry], collect() { this.set(read()); } });
  };
  const counter = (name: string, help: string): Counter => new Counter({ name, help, registers: [registry] });
  const perPeer = (name: string, help: string): Counter<'peer'> => new Counter({ name, help, labelNames: ['peer'] as const, registers: [registry] });
  gauge('chronik_has_leader', '1 if this node knows a leader', gauges.hasLeader);
  gauge('chronik_is_leader', '1 on the leader', gauges.isLeader);
  gauge('chronik_term', 'Current Raft term', gauges.term);
  const leaderChanges = counter('chronik_leader_changes_seen_total', 'Leader changes observed by this node');
  gauge('chronik_commit_index', 'Highest log index known committed', gauges.commitIndex);
  gauge('chronik_applied_index', 'Highest log index applied to the state machine', gauges.appliedIndex);
  gauge('chronik_last_index', 'Last index in the local log', gauges.lastIndex);
  const proposalsCommitted = counter('chronik_proposals_committed_total', 'Proposals committed and applied');
  const proposalsFailed = counter('chronik_proposals_failed_total', 'Proposals that failed (dropped, overwritten, timed out)');
  gauge('chronik_proposals_pending', 'Proposals waiting to commit', gauges.proposalsPending);
  gauge('chronik_snapshot_index', 'Log index of the newest durable snapshot', gauges.snapshotIndex);
  gauge('chronik_wal_bytes', 'Bytes of records in the WAL segments (the zeros written ahead of the last record not counted)', gauges.walBytes);
  const walFsync = new Histogram({ name: 'chronik_wal_fsync_duration_seconds', help: 'WAL sync latency: one synchronous (O_DSYNC) write per batch', buckets: WAL_FSYNC_BUCKETS, registers: [registry] });
  const peerSentBytes = perPeer('chronik_peer_sent_bytes_total', 'Bytes of Raft messages sent per peer');
  const peerReceivedBytes = perPeer('chronik_peer_received_bytes_total', 'Bytes of Raft messages received per peer');
  const peerRefused = new Counter({ name: 'chronik_peer_refused_total', help: 'Peer requests refused unstepped, by reason (cluster-id, diverged)', labelNames: ['reason'] as const, registers: [registry] });
  return { registry, leaderChanges, proposalsCommitted, proposalsFailed, walFsync, peerSentBytes, peerReceivedBytes, peerRefused };
}
