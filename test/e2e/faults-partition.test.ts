// Partitions on real processes, cut in each node's transport by the test-only fault injector
// (CHRONIK_FAULT_FILE): an isolated leader steps down (check-quorum) and acknowledges nothing, the majority
// elects and commits, healing converges without a term jump (pre-vote); one-way cuts and delays neither
// elect a second leader nor stall commits. Run over plain HTTP and over mutual TLS (a cut then drops TLS
// streams and a heal needs new handshakes).
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from '../faults/cluster.js';
import { killAll, removeDir, tempDir } from '../support/cluster.js';
import { eventually } from './node-harness.js';
import { makeWire, WIRES, type Wire } from './wire.js';

const root = tempDir('partition');
const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

afterAll(async () => {
  await killAll();
  removeDir(root);
});

async function propose(cluster: Cluster, addr: string, key: string, timeout = '3s'): Promise<number> {
  const answer = await cluster.api.http(addr, 'POST', `/v1/propose?timeout=${timeout}`, { key, value: `${key}-value` }).catch(() => undefined);
  return answer?.status ?? 0;
}

/** Waits until every node has applied the highest commit index any of them reports. */
async function converged(cluster: Cluster): Promise<number> {
  return eventually(
    async () => {
      const views = await Promise.all(cluster.allAddrs().map((addr) => cluster.api.status(addr)));
      const commit = Math.max(...views.map((view) => view.commitIndex));
      return views.every((view) => view.appliedIndex === commit && view.commitIndex === commit) ? commit : undefined;
    },
    30_000,
    'every node to apply the same commit index',
  );
}

describe.each(WIRES)('partitions (%s)', { timeout: 120_000 }, (kind) => {
  let cluster: Cluster;
  let wire: Wire | undefined;

  afterAll(async () => {
    await killAll();
    await wire?.close();
  });

  it('an isolated leader steps down and acknowledges nothing; the majority elects and commits; healing converges without a term jump', async () => {
    wire = makeWire(kind, 3);
    cluster = await Cluster.start(`${root}/${kind}`, 3, [], wire);
    const { leader: old, term } = await cluster.leader();
    const majority = cluster.ids.filter((id) => id !== old);
    expect(await propose(cluster, cluster.addr(old), 'before')).toBe(200);

    const logBefore = cluster.node(old).stderr.length;
    await cluster.partition([old], majority);
    // The isolated leader takes this write into its log but can never commit it.
    const minorityWrite = propose(cluster, cluster.addr(old), 'minority-write', '4s');
    await cluster.node(old).waitForLog(/WARN {2}stepped down .*reason=check-quorum/, 15_000);
    const next = await cluster.leader(majority, 30_000, old);
    expect(next.term).toBeGreaterThan(term);
    for (let i = 0; i < 5; i++) expect(await propose(cluster, cluster.addr(majority[i % 2] as number), `majority-${i}`)).toBe(200);
    expect(await minorityWrite).not.toBe(200);

    // Still cut off: the old leader acknowledges nothing, and (pre-vote) its term does not climb.
    const isolatedView = await cluster.status(old);
    expect(isolatedView.role).not.toBe('leader');
    expect(await propose(cluster, cluster.addr(old), 'minority-late', '1500ms')).not.toBe(200);
    await sleep(2000); // several election timeouts of failed pre-votes
    expect((await cluster.status(old)).term).toBe(term);
    const isolatedLog = cluster.node(old).stderr.slice(logBefore);
    expect(isolatedLog).toMatch(/became pre-candidate/);
    expect(isolatedLog).not.toMatch(/became candidate/);

    await cluster.heal();
    await converged(cluster);
    const healed = await cluster.leader();
    expect(healed).toEqual(next); // the rejoining node did not disturb the leader
    for (const key of ['before', 'majority-0', 'majority-4']) {
      expect((await cluster.api.http(cluster.addr(old), 'GET', `/v1/kv/${key}`)).body.value, key).toBe(`${key}-value`);
    }
    for (const id of cluster.ids) {
      for (const key of ['minority-write', 'minority-late']) {
        expect((await cluster.api.http(cluster.addr(id), 'GET', `/v1/kv/${key}?stale=true`)).status, `${key} on node ${id}`).toBe(404);
      }
    }
  });

  it('a leader that hears nothing back (one-way cut) steps down, and the others elect a leader that commits', async () => {
    const { leader: old, term } = await cluster.leader();
    const others = cluster.ids.filter((id) => id !== old);
    // The followers' messages to the leader vanish; the leader's own still arrive.
    for (const id of others) await cluster.setFaults(id, { drop: [cluster.addr(old)] });
    await cluster.node(old).waitForLog(new RegExp(`WARN {2}stepped down .*term=${term} .*reason=check-quorum`), 15_000);
    const next = await cluster.leader(others, 30_000, old);
    expect(next.term).toBeGreaterThan(term);
    expect(await propose(cluster, cluster.addr(next.leader), 'one-way-inbound')).toBe(200);
    await cluster.heal();
    await converged(cluster);
    expect((await cluster.api.http(cluster.addr(old), 'GET', '/v1/kv/one-way-inbound')).body.value).toBe('one-way-inbound-value');
  });

  it('a follower the leader cannot reach (one-way cut) does not depose it, and a delayed link stalls nothing', async () => {
    const { leader, term } = await cluster.leader();
    const [deaf, slow] = cluster.ids.filter((id) => id !== leader) as [number, number];
    await cluster.setFaults(leader, { drop: [cluster.addr(deaf)], delay: { [cluster.addr(slow)]: 150 } });
    for (let i = 0; i < 10; i++) expect(await propose(cluster, cluster.addr(leader), `one-way-out-${i}`)).toBe(200);
    await sleep(2500); // the deaf follower times out and pre-votes, but the others still hear the leader
    expect(await cluster.leader([leader, slow])).toEqual({ leader, term });
    expect((await cluster.status(deaf)).term).toBe(term);
    await cluster.heal();
    await converged(cluster);
    expect(await cluster.leader()).toEqual({ leader, term });
    expect((await cluster.api.http(cluster.addr(deaf), 'GET', '/v1/kv/one-way-out-9')).body.value).toBe('one-way-out-9-value');
  });
});
