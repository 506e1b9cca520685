// Cluster identity end to end (issue 14): the README's single-node data dir reused as node 1 of its three-node
// cluster, two clusters with the same default name and overlapping ids side by side, a --join node that
// adopts its leader's ID and refuses a second cluster, and a restored old copy of a data dir.
import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chronik } from './cli.js';
import { killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status } from './node-harness.js';

const TIMING = ['--tick', '50ms', '--election-ticks', '10', '--heartbeat-ticks', '2'];
const root = tempDir('identity');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

const metaOf = (dir: string): { clusterId?: string } => JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as { clusterId?: string };

async function offline(dir: string): Promise<{ commitIndex: number; lastIndex: number; lastTerm: number; voters: number[]; clusterId: string | null }> {
  const result = await chronik(['status', '--data-dir', dir, '--json']);
  return JSON.parse(result.stdout) as { commitIndex: number; lastIndex: number; lastTerm: number; voters: number[]; clusterId: string | null };
}

async function stop(node: NodeProcess): Promise<void> {
  node.proc.kill('SIGTERM');
  expect(await node.exit).toBe(0);
}

describe('cluster identity', { timeout: 120_000 }, () => {
  it("refuses the README's single-node data dir as node 1 of the three-node cluster; nodes 2 and 3 elect without it", async () => {
    const ports = [await freePort('e2e'), await freePort('e2e'), await freePort('e2e')];
    const addr = (i: number): string => `127.0.0.1:${ports[i - 1]}`;
    const dir = (i: number): string => join(root, 'readme', `node-${i}`);

    // `chronik bootstrap` (a single-node cluster), a write, stop.
    const single = spawnChronik(['bootstrap', '--listen', addr(1), '--data-dir', dir(1), ...TIMING]);
    await single.waitForLog(/became leader/);
    expect((await http(addr(1), 'POST', '/v1/propose', { key: 'greeting', value: 'hello' })).status).toBe(200);
    await stop(single);
    const before = await offline(dir(1));

    // The README's three-node command lines, in the same directory.
    const peersOf = (i: number): string => [1, 2, 3].filter((j) => j !== i).map((j) => `${j}@${addr(j)}`).join(',');
    const args = (i: number): string[] => ['bootstrap', '--node-id', String(i), '--listen', addr(i), '--peers', peersOf(i), '--data-dir', dir(i), ...TIMING];
    const one = spawnChronik(args(1));
    expect(await one.exit).toBe(1);
    expect(one.stderr).toMatch(/^Error: data dir .*node-1 belongs to another cluster: its voters are \[1\], but --peers names voters \[1,2,3\]$/m);
    expect(one.stderr).not.toMatch(/\n\s+at /); // one clear line and a hint, no stack
    const two = spawnChronik(args(2));
    const three = spawnChronik(args(3));
    const { leader } = await agreedLeader([addr(2), addr(3)]);
    expect([2, 3]).toContain(leader);
    expect(metaOf(dir(2)).clusterId).toBe(metaOf(dir(3)).clusterId);
    expect(metaOf(dir(2)).clusterId).not.toBe(metaOf(dir(1)).clusterId);

    // Node 1 started the plain README way (its own data dir, no --peers): its own cluster, never theirs.
    const alone = spawnChronik(['bootstrap', '--listen', addr(1), '--data-dir', dir(1), ...TIMING]);
    await alone.waitForLog(/became leader node=1/);
    const refused = await alone.waitForLog(/ERROR cluster ID mismatch node=1 /);
    expect(refused).toMatch(new RegExp(`peer=[23] addr=127\\.0\\.0\\.1:\\d+ cluster_id=${metaOf(dir(2)).clusterId} expected=${metaOf(dir(1)).clusterId}`));
    for (const id of [1, 2, 3]) await http(addr(id), 'POST', '/v1/propose', { key: `after-${id}`, value: 'x' });
    const report = await chronik(['status', '--endpoints', `${addr(1)},${addr(2)},${addr(3)}`, '--json']);
    const view = JSON.parse(report.stdout) as { clusterId: string; leader: number; problems: { code: string; message: string }[] };
    expect(view.clusterId).toBe(metaOf(dir(2)).clusterId);
    expect(view.leader).toBe(leader);
    expect(view.problems.filter((p) => p.code === 'CLUSTER_ID_MISMATCH')).toHaveLength(1);
    expect(view.problems.find((p) => p.code === 'CLUSTER_ID_MISMATCH')?.message).toMatch(new RegExp(`node 1 at ${addr(1)} is in cluster ${metaOf(dir(1)).clusterId}`));
    expect((await chronik(['status', '--endpoints', `${addr(1)},${addr(2)},${addr(3)}`, '--strict'])).code).toBe(3);
    await stop(alone);
    await stop(two);
    await stop(three);

    // Node 1's committed entries are exactly what it had, plus only its own write.
    const after = await offline(dir(1));
    expect(after.voters).toEqual([1]);
    expect(after.commitIndex).toBeGreaterThanOrEqual(before.commitIndex);
    const kept = spawnChronik(['bootstrap', '--listen', addr(1), '--data-dir', dir(1), ...TIMING]);
    await kept.waitForLog(/became leader/);
    expect((await http(addr(1), 'GET', '/v1/kv/greeting')).body.value).toBe('hello');
    await stop(kept);
  });

  it('keeps two clusters with the same default name and the same ids apart, even when one points at the other', async () => {
    const a = [await freePort('e2e'), await freePort('e2e'), await freePort('e2e')].map((p) => `127.0.0.1:${p}`);
    const b = [await freePort('e2e'), await freePort('e2e')].map((p) => `127.0.0.1:${p}`);
    const start = (members: string[], i: number, prefix: string): NodeProcess =>
      spawnChronik([
        'bootstrap', '--node-id', String(i + 1), '--listen', members[i]!,
        '--peers', members.map((m, j) => `${j + 1}@${m}`).filter((_, j) => j !== i).join(','),
        '--data-dir', join(root, `${prefix}-${i + 1}`), ...TIMING,
      ]);
    const clusterA = a.map((_, i) => start(a, i, 'a'));
    const settled = await agreedLeader(a);
    // Cluster B: nodes 1 and 2 of its own, and node 3 at cluster A's node 3's address (a copy-paste mistake).
    const bMembers = [...b, a[2]!];
    const clusterB = b.map((_, i) => start(bMembers, i, 'b'));
    const refusal = await clusterA[2]!.waitForLog(/ERROR cluster ID mismatch node=3 /, 60_000);
    expect(refusal).toMatch(/peer=[12] addr=127\.0\.0\.1:\d+ cluster_id=[0-9a-f]{16} expected=[0-9a-f]{16}/);

    // Cluster A never saw B's elections: same leader, same term, and node 3 counts what it refused.
    await new Promise((done) => setTimeout(done, 1500));
    for (const addr of a) expect(await status(addr)).toMatchObject({ leader: settled.leader, term: settled.term });
    const metrics = (await http(a[2]!, 'GET', '/metrics')).text;
    expect(metrics).toMatch(/chronik_peer_refused_total\{reason="cluster-id"\} [1-9]/);
    for (const node of [...clusterA, ...clusterB]) await stop(node);
  });

  it('a --join node adopts the ID of the leader that adds it, keeps it across a restart, and refuses a second cluster', async () => {
    const leaderAddr = `127.0.0.1:${await freePort('e2e')}`;
    const joinAddr = `127.0.0.1:${await freePort('e2e')}`;
    const otherAddr = `127.0.0.1:${await freePort('e2e')}`;
    const leader = spawnChronik(['bootstrap', '--listen', leaderAddr, '--data-dir', join(root, 'join-1'), ...TIMING]);
    await leader.waitForLog(/became leader/);
    const joinArgs = ['bootstrap', '--node-id', '4', '--listen', joinAddr, '--join', '--data-dir', join(root, 'join-4'), ...TIMING];
    const joiner = spawnChronik(joinArgs);
    await joiner.waitForLog(/waiting to be added/);
    expect(metaOf(join(root, 'join-4')).clusterId).toBeUndefined();
    expect((await status(joinAddr)) as unknown as { clusterId: unknown }).toMatchObject({ clusterId: null });

    const added = await chronik(['add-voter', `4@${joinAddr}`, '--endpoints', leaderAddr, '--timeout', '20s']);
    expect(added.code, added.stderr).toBe(0);
    const own = metaOf(join(root, 'join-1')).clusterId;
    expect(await joiner.waitForLog(/INFO {2}adopted cluster ID node=4 /)).toContain(`cluster_id=${own} leader=1`);
    expect(metaOf(join(root, 'join-4')).clusterId).toBe(own);
    await stop(joiner);
    const again = spawnChronik(joinArgs);
    await eventually(async () => ((await status(joinAddr)) as unknown as { clusterId: string }).clusterId === own || undefined);

    // Another single-node cluster tries to add the same node: refused, and the node stays in its cluster.
    const other = spawnChronik(['bootstrap', '--listen', otherAddr, '--data-dir', join(root, 'join-other'), ...TIMING]);
    await other.waitForLog(/became leader/);
    const stolen = await chronik(['add-voter', `4@${joinAddr}`, '--endpoints', otherAddr, '--timeout', '3s']);
    expect(stolen.code, stolen.stdout + stolen.stderr).toBe(1);
    expect(await again.waitForLog(/ERROR cluster ID mismatch node=4 /)).toContain(`expected=${own}`);
    expect(metaOf(join(root, 'join-4')).clusterId).toBe(own);
    await eventually(async () => ((await status(joinAddr)).voters.join(',') === '1,4' ? true : undefined), 20_000, 'node 4 to see voters [1,4]');
    for (const node of [leader, again, other]) await stop(node);
  });

  it('reports a restored old copy of a data dir: its voters differ from the others (VOTER_MISMATCH)', async () => {
    const addrs = [await freePort('e2e'), await freePort('e2e'), await freePort('e2e')].map((p) => `127.0.0.1:${p}`);
    const dir = (i: number): string => join(root, `restore-${i}`);
    const start = (i: number): NodeProcess =>
      spawnChronik([
        'bootstrap', '--node-id', String(i), '--listen', addrs[i - 1]!,
        '--peers', addrs.map((m, j) => `${j + 1}@${m}`).filter((_, j) => j !== i - 1).join(','),
        '--data-dir', dir(i), ...TIMING,
      ]);
    const nodes = [1, 2, 3].map(start);
    await agreedLeader(addrs);
    await stop(nodes[2]!);
    cpSync(dir(3), join(root, 'restore-3-backup'), { recursive: true });
    nodes[2] = start(3);
    await agreedLeader(addrs);
    expect((await chronik(['remove-voter', '3', '--endpoints', addrs[0]!, '--timeout', '20s'])).code).toBe(0);
    for (const node of nodes) await stop(node);
    removeDir(dir(3));
    cpSync(join(root, 'restore-3-backup'), dir(3), { recursive: true });

    const report = await chronik(['diagnose', dir(1), dir(2), dir(3), '--json']);
    expect(report.code).toBe(3);
    const findings = (JSON.parse(report.stdout) as { findings: { code: string; nodes: string[] }[] }).findings;
    expect(findings.map((f) => f.code)).toContain('VOTER_MISMATCH');
  });
});
