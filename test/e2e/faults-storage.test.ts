// Storage faults on real processes: ENOSPC and EIO on WAL write and fsync (test-only injector,
// CHRONIK_FAULT_FILE) stop the node with a clear reason and no acknowledgement, and it recovers once
// restarted with room again; damaged files (WAL bit flip, torn tail, snapshot.bin, meta.json, membership.json) and a data
// dir of another node or cluster are recovered or refused with a message naming the file and offset.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Cluster } from '../faults/cluster.js';
import { freePort } from '../support/ports.js';
import { killAll, recordsEnd, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { eventually, http, status } from './node-harness.js';

const root = tempDir('storage');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

async function propose(addr: string, key: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await http(addr, 'POST', '/v1/propose?timeout=3s', { key, value: `${key}-value` }).catch(() => undefined);
  return answer ?? { status: 0, body: {} };
}

describe('ENOSPC and EIO on the WAL', { timeout: 120_000 }, () => {
  it('a leader that cannot write stops without acknowledging, the others carry on, and it recovers after restart', async () => {
    const cluster = await Cluster.start(join(root, 'enospc'), 3);
    const acknowledged: string[] = [];
    const { leader, term } = await cluster.leader();
    for (let i = 0; i < 5; i++) if ((await propose(cluster.addr(leader), `before-${i}`)).status === 200) acknowledged.push(`before-${i}`);
    expect(acknowledged).toHaveLength(5);

    await cluster.setFaults(leader, { walWrite: 'ENOSPC' });
    await new Promise((done) => setTimeout(done, 200)); // the node polls its fault file every 50 ms
    const refused = await propose(cluster.addr(leader), 'during-enospc');
    expect(refused.status).not.toBe(200);
    if (refused.status !== 0) expect(refused.body).toMatchObject({ code: 'UNAVAILABLE', error: expect.stringMatching(/storage failed: ENOSPC: no space left on device/) as unknown });
    expect(await cluster.node(leader).exit).toBe(1);
    expect(cluster.node(leader).stderr).toMatch(/ERROR {1}storage failed .*error="?ENOSPC: no space left on device, write/);

    const others = cluster.ids.filter((id) => id !== leader);
    const next = await cluster.leader(others, 30_000, leader);
    expect(next.term).toBeGreaterThan(term);
    for (let i = 0; i < 5; i++) if ((await propose(cluster.addr(others[i % 2] as number), `after-${i}`)).status === 200) acknowledged.push(`after-${i}`);
    expect(acknowledged).toHaveLength(10);

    // Space is back: the same command line resumes, catches up, and the refused write never appears.
    await cluster.setFaults(leader, {});
    cluster.restart(leader);
    const commit = (await cluster.status(next.leader)).commitIndex;
    await eventually(async () => ((await cluster.status(leader)).appliedIndex >= commit ? true : undefined), 30_000, 'the restarted node to catch up');
    for (const key of acknowledged) expect((await http(cluster.addr(leader), 'GET', `/v1/kv/${key}?stale=true`)).body.value, key).toBe(`${key}-value`);
    // The refused write was never acknowledged, but the leader sent it before its own write failed, so the
    // followers may have committed it (as in etcd): whichever it is, every member must agree.
    const agreed = await eventually(async () => {
      const during = await Promise.all(cluster.ids.map(async (id) => (await http(cluster.addr(id), 'GET', '/v1/kv/during-enospc?stale=true')).status));
      return during.every((status) => status === during[0]) ? during : undefined;
    }, 10_000, 'every member to agree on the refused write');
    expect([[404, 404, 404], [200, 200, 200]]).toContainEqual(agreed);

    // EIO on fsync of a follower: it stops, the leader still commits with the remaining follower.
    const follower = cluster.ids.find((id) => id !== next.leader) as number;
    await cluster.setFaults(follower, { walFsync: 'EIO' });
    for (let i = 0; i < 5; i++) if ((await propose(cluster.addr(next.leader), `eio-${i}`)).status === 200) acknowledged.push(`eio-${i}`);
    expect(await cluster.node(follower).exit).toBe(1);
    expect(cluster.node(follower).stderr).toMatch(/ERROR {1}storage failed .*EIO: i\/o error, fsync/);
    expect(acknowledged).toHaveLength(15);
    await cluster.setFaults(follower, {});
    cluster.restart(follower);
    const finalCommit = (await cluster.status(next.leader)).commitIndex;
    await eventually(async () => ((await cluster.status(follower)).appliedIndex >= finalCommit ? true : undefined), 30_000, 'the follower to catch up');
    for (const key of acknowledged) expect((await http(cluster.addr(follower), 'GET', `/v1/kv/${key}?stale=true`)).body.value, key).toBe(`${key}-value`);
  });
});

describe('a failed fsync on a single node', { timeout: 60_000 }, () => {
  it('acknowledges nothing, and leaves a data dir that restarts with every acknowledged write', async () => {
    const cluster = await Cluster.start(join(root, 'eio-single'), 1);
    await cluster.leader();
    const addr = cluster.addr(1);
    for (let i = 0; i < 5; i++) expect((await propose(addr, `acked-${i}`)).status).toBe(200);
    await cluster.setFaults(1, { walFsync: 'EIO' });
    await new Promise((done) => setTimeout(done, 200));
    expect((await propose(addr, 'not-durable')).status).not.toBe(200);
    expect(await cluster.node(1).exit).toBe(1);
    await cluster.setFaults(1, {});
    const restarted = cluster.restart(1);
    await restarted.waitForLog(/became leader/);
    for (let i = 0; i < 5; i++) expect((await http(addr, 'GET', `/v1/kv/acked-${i}`)).body.value).toBe(`acked-${i}-value`);
  });
});

describe('damaged and foreign data dirs', { timeout: 120_000 }, () => {
  const dir = join(root, 'single');
  let addr: string;
  const start = (extra: string[] = [], dataDir = dir): NodeProcess => spawnChronik(['bootstrap', '--listen', addr, '--data-dir', dataDir, ...extra]);
  const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);

  async function readsBack(node: NodeProcess): Promise<void> {
    await node.waitForLog(/became leader/);
    for (const key of keys) expect((await http(addr, 'GET', `/v1/kv/${key}`)).body.value, key).toBe(`${key}-value`);
    node.proc.kill('SIGKILL');
    await node.exit;
  }

  it('writes a data dir to damage', async () => {
    addr = `127.0.0.1:${await freePort('faults')}`;
    const node = start();
    await node.waitForLog(/became leader/);
    for (const key of keys) expect((await propose(addr, key)).status).toBe(200);
    node.proc.kill('SIGKILL');
    await node.exit;
  });

  it('a torn tail (the last write cut short) is truncated, logged with file and offset, and loses nothing acknowledged', async () => {
    // The node keeps zeros written ahead of its last record: the last write cut short leaves its final
    // bytes zero, the zeros after it untouched.
    const segment = join(dir, 'wal', '0000000000000001.wal');
    const bytes = readFileSync(segment);
    const end = recordsEnd(bytes);
    expect(end).toBeLessThan(bytes.length);
    bytes.fill(0, end - 3, end);
    writeFileSync(segment, bytes);
    const node = start();
    expect(await node.waitForLog(/WARN {2}wal tail truncated/)).toMatch(new RegExp(`file=\\S*0000000000000001\\.wal offset=\\d+ bytes=\\d+`));
    await readsBack(node);
  });

  it('a bit flip inside the WAL refuses start naming the file and offset; restoring the byte recovers', async () => {
    const segment = join(dir, 'wal', '0000000000000001.wal');
    const original = readFileSync(segment);
    const damaged = Buffer.from(original);
    const at = Math.floor(recordsEnd(original) / 2);
    damaged[at] = (damaged[at] as number) ^ 0x10;
    writeFileSync(segment, damaged);
    const node = start();
    expect(await node.exit).toBe(1);
    expect(node.stderr).toMatch(/Error: storage corrupt: \S*0000000000000001\.wal at offset \d+: (checksum mismatch|impossible record length|undecodable record)/);
    expect(node.stderr).toMatch(/ERROR {1}storage corrupt .*file=\S*0000000000000001\.wal offset=\d+/);
    expect(node.stderr).not.toMatch(/\n\s+at /); // one clear line, no stack trace
    writeFileSync(segment, original);
    await readsBack(start());
  });

  it('an unreadable meta.json refuses start naming the file', async () => {
    const meta = join(dir, 'meta.json');
    const original = readFileSync(meta);
    writeFileSync(meta, original.subarray(0, original.length - 10));
    const node = start();
    expect(await node.exit).toBe(1);
    expect(node.stderr).toMatch(/Error: storage corrupt: \S*meta\.json at offset 0: unreadable/);
    writeFileSync(meta, original);
  });

  it('a garbled membership.json is not trusted: the log decides, and the node serves the right data', async () => {
    const membership = join(dir, 'membership.json');
    writeFileSync(membership, '{"index": 1, "voters": [{"id": 7, "addr": "127.0.0.1:1"}');
    const node = start();
    await node.waitForLog(/became leader/);
    expect((await status(addr)).voters).toEqual([1]);
    await readsBack(node);
  });

  it('a damaged snapshot.bin (after compaction) refuses start naming the file; restored, every write reads back', async () => {
    const snapDir = join(root, 'snapshotted');
    const env = { CHRONIK_SNAPSHOT_ENTRIES: '5', CHRONIK_WAL_SEGMENT_BYTES: '1024' };
    const first = spawnChronik(['bootstrap', '--listen', addr, '--data-dir', snapDir], env);
    await first.waitForLog(/became leader/);
    for (const key of keys) expect((await propose(addr, key)).status).toBe(200);
    // Snapshots are written in the background: make sure one reached snapshot.bin before the crash.
    await first.waitForLog(/INFO {2}snapshot taken /);
    first.proc.kill('SIGKILL');
    await first.exit;
    const file = join(snapDir, 'snapshot.bin');
    const original = readFileSync(file);
    const damaged = Buffer.from(original);
    const at = 8 + Math.floor(Math.random() * (original.length - 8));
    damaged[at] = (damaged[at] as number) ^ 0x04;
    writeFileSync(file, damaged);
    const refused = spawnChronik(['bootstrap', '--listen', addr, '--data-dir', snapDir], env);
    expect(await refused.exit).toBe(1);
    expect(refused.stderr).toMatch(/Error: storage corrupt: \S*snapshot\.bin at offset \d+: snapshot checksum mismatch/);
    writeFileSync(file, original);
    await readsBack(spawnChronik(['bootstrap', '--listen', addr, '--data-dir', snapDir], env));
  });

  it('a data dir of another node id or another cluster is refused', async () => {
    const otherNode = start(['--node-id', '2']);
    expect(await otherNode.exit).toBe(1);
    expect(otherNode.stderr).toMatch(/Error: data dir \S+ belongs to node 1, not node 2/);

    const config = join(root, 'other-cluster.yaml');
    writeFileSync(config, ['cluster: other-cluster', 'nodes:', `  - { id: 1, addr: ${addr} }`].join('\n'));
    const otherCluster = spawnChronik(['bootstrap', '--config', config, '--node-id', '1', '--data-dir', dir]);
    expect(await otherCluster.exit).toBe(1);
    expect(otherCluster.stderr).toMatch(/Error: data dir \S+ belongs to cluster "\S+", not "other-cluster"/);
    // Nothing was changed by the refusals: the rightful node still starts and serves its data.
    const rightful = start();
    await readsBack(rightful);
  });
});
