// Failover on real processes: kill -9 of the leader resets the followers' streams to it and their
// reconnects are refused, so a new leader is agreed well within the election timeout (docs/node.md);
// a frozen leader (SIGSTOP) resets nothing, and is replaced only after the full timeout. Timings here
// are sanity bounds against the election timeout; the figures are bench:failover's.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { TestCluster, type TestNode } from './cluster.js';
import { status } from './node-harness.js';

const TICK_MS = 50;
const ELECTION_TICKS = 20;
const HEARTBEAT_TICKS = 2;
/** The shortest a follower waits without a fast campaign: the election timeout less one heartbeat interval. */
const FULL_TIMEOUT_FLOOR_MS = (ELECTION_TICKS - HEARTBEAT_TICKS) * TICK_MS;
const TIMING = ['--tick', `${TICK_MS}ms`, '--election-ticks', String(ELECTION_TICKS), '--heartbeat-ticks', String(HEARTBEAT_TICKS)];

const clusters: TestCluster[] = [];
afterAll(async () => {
  for (const cluster of clusters) await cluster.remove();
});

/** Polls every 10 ms until every one of `nodes` names the same leader other than `not`; the ms it took since `since`. */
async function newLeaderAgreed(nodes: TestNode[], not: number, since: number, timeoutMs: number): Promise<{ leader: number; ms: number }> {
  for (;;) {
    const views = await Promise.all(nodes.map((node) => status(node.endpoint).catch(() => undefined)));
    const first = views[0];
    if (first !== undefined && first.leader !== 0 && first.leader !== not && views.every((v) => v?.leader === first.leader && v.term === first.term)) {
      return { leader: first.leader, ms: performance.now() - since };
    }
    if (performance.now() - since > timeoutMs) throw new Error(`no new leader agreed within ${timeoutMs} ms: ${JSON.stringify(views)}`);
    await new Promise((done) => setTimeout(done, 10));
  }
}

async function startCluster(): Promise<{ nodes: TestNode[]; leader: TestNode; survivors: TestNode[] }> {
  const cluster = new TestCluster();
  clusters.push(cluster);
  const nodes = await cluster.startVoters(3, TIMING);
  const { leader: id } = await newLeaderAgreed(nodes, 0, performance.now(), 30_000);
  // Let every follower's stream to the leader open and settle (a heartbeat answered on each).
  await new Promise((done) => setTimeout(done, 1000));
  const leader = nodes.find((node) => node.spec.id === id) as TestNode;
  return { nodes, leader, survivors: nodes.filter((node) => node !== leader) };
}

describe('leader failover', { timeout: 120_000 }, () => {
  it('kill -9 of the leader: the survivors agree on a new leader within the election timeout, not after it', async () => {
    const { leader, survivors } = await startCluster();
    const killedAt = performance.now();
    await leader.stop('SIGKILL');
    const { leader: next, ms } = await newLeaderAgreed(survivors, leader.spec.id, killedAt, 20_000);
    expect(next).not.toBe(leader.spec.id);
    // Without the fast path no follower could even start an election before this floor.
    expect(ms).toBeLessThan(FULL_TIMEOUT_FLOOR_MS);
    const lost = survivors.filter((node) => readFileSync(node.logFile, 'utf8').includes('leader connection lost'));
    expect(lost.length).toBeGreaterThan(0);
  });

  it('SIGSTOP of the leader: nothing resets, and the survivors elect after the full election timeout', async () => {
    const { leader, survivors } = await startCluster();
    const stoppedAt = performance.now();
    leader.signal('SIGSTOP');
    try {
      const { leader: next, ms } = await newLeaderAgreed(survivors, leader.spec.id, stoppedAt, 20_000);
      expect(next).not.toBe(leader.spec.id);
      expect(ms).toBeGreaterThanOrEqual(FULL_TIMEOUT_FLOOR_MS - 2 * TICK_MS);
      for (const node of survivors) expect(readFileSync(node.logFile, 'utf8')).not.toContain('leader connection lost');
    } finally {
      leader.signal('SIGCONT');
    }
    // Thawed, the old leader hears the new term and follows.
    const views = await newLeaderAgreed([leader, ...survivors], leader.spec.id, performance.now(), 20_000);
    expect(views.leader).not.toBe(leader.spec.id);
  });
});
