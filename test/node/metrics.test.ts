// The node's /metrics text: every metric docs/http-api.md lists, with its type and labels, live gauges,
// and the process, heap, GC and event-loop metrics operators expect next to them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createNodeMetrics, type NodeGauges } from '../../src/node/metrics.js';

const DOC = readFileSync(fileURLToPath(new URL('../../docs/http-api.md', import.meta.url)), 'utf8');

/** name -> type from the doc's metrics table (a row may name several, `{label}` examples included). */
function documentedMetrics(): Map<string, string> {
  const metrics = new Map<string, string>();
  for (const row of DOC.matchAll(/^\| (`chronik_[^|]+) \| (\w+) \|/gm)) {
    for (const name of (row[1] as string).matchAll(/`(chronik_\w+)/g)) metrics.set(name[1] as string, row[2] as string);
  }
  return metrics;
}

function gauges(overrides: Partial<NodeGauges> = {}): NodeGauges {
  const zero = (): number => 0;
  return { hasLeader: zero, isLeader: zero, term: zero, commitIndex: zero, appliedIndex: zero, lastIndex: zero, proposalsPending: zero, snapshotIndex: zero, walBytes: zero, ...overrides };
}

describe('node metrics', () => {
  it('exposes every documented metric with its documented type', async () => {
    const documented = documentedMetrics();
    expect(documented.size).toBe(16);
    const text = await createNodeMetrics(gauges()).registry.metrics();
    for (const [name, type] of documented) expect(text, name).toContain(`# TYPE ${name} ${type}\n`);
    const own = [...text.matchAll(/^# TYPE (chronik_\w+) /gm)].map((m) => m[1]);
    expect(own.sort()).toEqual([...documented.keys()].sort());
  });

  it('reads gauges at scrape time and counts per peer', async () => {
    let term = 3;
    const metrics = createNodeMetrics(gauges({ term: () => term, hasLeader: () => 1 }));
    metrics.peerSentBytes.inc({ peer: '2' }, 120);
    metrics.peerSentBytes.inc({ peer: '2' }, 30);
    metrics.peerReceivedBytes.inc({ peer: '3' }, 7);
    metrics.proposalsCommitted.inc();
    metrics.walFsync.observe(0.003);
    term = 5;
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^chronik_term 5$/m);
    expect(text).toMatch(/^chronik_has_leader 1$/m);
    expect(text).toMatch(/^chronik_peer_sent_bytes_total\{peer="2"\} 150$/m);
    expect(text).toMatch(/^chronik_peer_received_bytes_total\{peer="3"\} 7$/m);
    expect(text).toMatch(/^chronik_proposals_committed_total 1$/m);
    expect(text).toMatch(/^chronik_wal_fsync_duration_seconds_bucket\{le="0.002"\} 0$/m);
    expect(text).toMatch(/^chronik_wal_fsync_duration_seconds_bucket\{le="0.005"\} 1$/m);
    expect(text).toMatch(/^chronik_wal_fsync_duration_seconds_count 1$/m);
  });

  it('brings the process, heap, GC and event-loop-lag metrics', async () => {
    const text = await createNodeMetrics(gauges()).registry.metrics();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_gc_duration_seconds', 'nodejs_eventloop_lag_seconds']) {
      expect(text, name).toContain(`# TYPE ${name} `);
    }
  });

  it('keeps two nodes in one process apart', async () => {
    const one = createNodeMetrics(gauges());
    const two = createNodeMetrics(gauges());
    one.leaderChanges.inc();
    expect(await one.registry.metrics()).toMatch(/^chronik_leader_changes_seen_total 1$/m);
    expect(await two.registry.metrics()).toMatch(/^chronik_leader_changes_seen_total 0$/m);
  });
});
