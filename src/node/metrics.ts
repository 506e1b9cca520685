// A small Prometheus registry: counters, gauges and histograms with labels, rendered in text format 0.0.4.
type Labels = Record<string, string>;

function labelKey(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((key) => `${key}="${String(labels[key]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

interface Metric {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(): string[];
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(amount = 1, labels: Labels = {}): void {
    const key = labelKey(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + amount);
  }

  render(): string[] {
    if (this.values.size === 0) return [`${this.name} 0`];
    return [...this.values].map(([key, value]) => `${this.name}${key} ${value}`);
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private value = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    /** Read at scrape time, so the gauge can never go stale. */
    private readonly read?: () => number,
  ) {}

  set(value: number): void {
    this.value = value;
  }

  render(): string[] {
    return [`${this.name} ${this.read ? this.read() : this.value}`];
  }
}

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: number[],
  ) {
    this.counts = buckets.map(() => 0);
  }

  observe(value: number): void {
    this.sum += value;
    this.count += 1;
    this.buckets.forEach((bound, i) => {
      if (value <= bound) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
  }

  render(): string[] {
    const lines = this.buckets.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${this.counts[i]}`);
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${this.sum}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }

  gauge(name: string, help: string, read?: () => number): Gauge {
    return this.add(new Gauge(name, help, read));
  }

  histogram(name: string, help: string, buckets: number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }

  private add<T extends Metric>(metric: T): T {
    this.metrics.push(metric);
    return metric;
  }

  render(): string {
    const lines: string[] = [];
    for (const metric of this.metrics) {
      lines.push(`# HELP ${metric.name} ${metric.help}`, `# TYPE ${metric.name} ${metric.type}`, ...metric.render());
    }
    return `${lines.join('\n')}\n`;
  }
}

/** The metrics docs/http-api.md promises; gauges read live values from the runtime. */
export interface NodeMetrics {
  registry: Registry;
  leaderChanges: Counter;
  proposalsCommitted: Counter;
  proposalsFailed: Counter;
  walFsync: Histogram;
  peerSentBytes: Counter;
  peerReceivedBytes: Counter;
  peerRefused: Counter;
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

export function createNodeMetrics(gauges: NodeGauges): NodeMetrics {
  const registry = new Registry();
  registry.gauge('chronik_has_leader', '1 if this node knows a leader', gauges.hasLeader);
  registry.gauge('chronik_is_leader', '1 on the leader', gauges.isLeader);
  registry.gauge('chronik_term', 'Current Raft term', gauges.term);
  const leaderChanges = registry.counter('chronik_leader_changes_seen_total', 'Leader changes observed by this node');
  registry.gauge('chronik_commit_index', 'Highest log index known committed', gauges.commitIndex);
  registry.gauge('chronik_applied_index', 'Highest log index applied to the state machine', gauges.appliedIndex);
  registry.gauge('chronik_last_index', 'Last index in the local log', gauges.lastIndex);
  const proposalsCommitted = registry.counter('chronik_proposals_committed_total', 'Proposals committed and applied');
  const proposalsFailed = registry.counter('chronik_proposals_failed_total', 'Proposals that failed (dropped, overwritten, timed out)');
  registry.gauge('chronik_proposals_pending', 'Proposals waiting to commit', gauges.proposalsPending);
  registry.gauge('chronik_snapshot_index', 'Log index of the newest durable snapshot', gauges.snapshotIndex);
  registry.gauge('chronik_wal_bytes', 'Bytes in the WAL segments on disk', gauges.walBytes);
  const walFsync = registry.histogram('chronik_wal_fsync_duration_seconds', 'WAL fsync latency', [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]);
  const peerSentBytes = registry.counter('chronik_peer_sent_bytes_total', 'Bytes of Raft messages sent per peer');
  const peerReceivedBytes = registry.counter('chronik_peer_received_bytes_total', 'Bytes of Raft messages received per peer');
  const peerRefused = registry.counter('chronik_peer_refused_total', 'Peer requests refused unstepped, by reason (cluster-id, diverged)');
  return { registry, leaderChanges, proposalsCommitted, proposalsFailed, walFsync, peerSentBytes, peerReceivedBytes, peerRefused };
}
