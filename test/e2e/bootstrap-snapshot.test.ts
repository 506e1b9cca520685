// Snapshots and log compaction with real processes (small intervals via CHRONIK_SNAPSHOT_ENTRIES and
// CHRONIK_WAL_SEGMENT_BYTES): the leader snapshots and deletes old WAL segments; a follower that was down
// past the compaction point catches up from a snapshot; a node restarts from its snapshot plus the WAL.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataDir } from '../../src/node/index.js';
import { bootstrapArgs, killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status } from './node-harness.js';

const root = tempDir('snapshot');
const env = { CHRONIK_SNAPSHOT_ENTRIES: '20', CHRONIK_SNAPSHOT_TRAILING: '10', CHRONIK_WAL_SEGMENT_BYTES: '2048' };

afterAll(async () => {
  await killAll();
  removeDir(root);
});

describe('snapshots', { timeout: 120_000 }, () => {
  it('compacts the leader, ships a snapshot to a lagging follower, and restarts from snapshot + WAL', async () => {
    const ids = [1, 2, 3];
    const addrs = new Map<number, string>();
    const argsOf = new Map<number, string[]>();
    const nodes = new Map<number, NodeProcess>();
    for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort('e2e')}`);
    for (const id of ids) {
      const peers = ids.filter((other) => other !== id).map((other) => ({ id: other, addr: addrs.get(other) as string }));
      argsOf.set(id, bootstrapArgs({ id, addr: addrs.get(id) as string, peers, dataDir: join(root, `node-${id}`) }));
      nodes.set(id, spawnChronik(argsOf.get(id) as string[], env));
    }
    const { leader } = await agreedLeader([...addrs.values()]);
    const leaderAddr = addrs.get(leader) as string;
    const lagging = ids.find((id) => id !== leader) as number;
    const laggingNode = nodes.get(lagging) as NodeProcess;
    laggingNode.proc.kill('SIGTERM');
    expect(await laggingNode.exit).toBe(0);

    for (let i = 0; i < 100; i++) {
      const answer = await http(leaderAddr, 'POST', '/v1/propose', { key: `k${i}`, value: `v${i}` });
      expect(answer.status, answer.text).toBe(200);
    }
    const leaderNode = nodes.get(leader) as NodeProcess;
    await leaderNode.waitForLog(/INFO {2}snapshot taken .*segments_removed=[1-9]/);
    const leaderView = await http(leaderAddr, 'GET', '/v1/status');
    expect(leaderView.body.snapshotIndex as number).toBeGreaterThanOrEqual(80);
    expect(readdirSync(join(root, `node-${leader}`, 'wal'))[0]).not.toBe('0000000000000001.wal');

    // The follower's log ends before the leader's first entry: only a snapshot can bring it back.
    const restarted = spawnChronik(argsOf.get(lagging) as string[], env);
    nodes.set(lagging, restarted);
    await restarted.waitForLog(/INFO {2}snapshot installed node=\d+ .*index=\d+/);
    await leaderNode.waitForLog(/INFO {2}snapshot sent node=\d+ .*bytes=[1-9]/);
    const commit = (await status(leaderAddr)).commitIndex;
    await eventually(async () => ((await status(addrs.get(lagging) as string)).appliedIndex >= commit ? true : undefined), 30_000, 'the follower to catch up');
    for (const i of [0, 50, 99]) {
      expect((await http(addrs.get(lagging) as string, 'GET', `/v1/kv/k${i}?stale=true`)).body.value).toBe(`v${i}`);
    }

    // The old leader restarts from its snapshot and the WAL after it.
    leaderNode.proc.kill('SIGTERM');
    expect(await leaderNode.exit).toBe(0);
    const offline = readDataDir(join(root, `node-${leader}`));
    expect(offline.snapshotIndex).toBeGreaterThanOrEqual(80);
    expect(offline.voters.map((v) => v.id)).toEqual([1, 2, 3]);
    expect(offline.lastIndex).toBeGreaterThanOrEqual(offline.snapshotIndex);
    const back = spawnChronik(argsOf.get(leader) as string[], env);
    nodes.set(leader, back);
    await back.waitForLog(/node starting .*snapshot_index=[1-9]\d* fresh=false/);
    await agreedLeader([...addrs.values()]);
    expect((await http(leaderAddr, 'GET', '/v1/kv/k99')).body.value).toBe('v99');
    expect((await http(leaderAddr, 'GET', '/v1/kv/k0?stale=true')).body.value).toBe('v0');

    // A --join node added now starts from the snapshot too: the log it would need is gone.
    const joinAddr = `127.0.0.1:${await freePort('e2e')}`;
    const joiner = spawnChronik(['bootstrap', '--node-id', '4', '--listen', joinAddr, '--join', '--data-dir', join(root, 'node-4')], env);
    await joiner.waitForLog(/waiting to be added/);
    const added = await http(leaderAddr, 'POST', '/v1/members', { type: 'add-voter', id: 4, addr: joinAddr });
    expect(added.status, added.text).toBe(200);
    await joiner.waitForLog(/INFO {2}snapshot installed node=4 /);
    const joined = await eventually(async () => {
      const view = await status(joinAddr);
      return view.member === 'voter' && view.appliedIndex >= (added.body.index as number) ? view : undefined;
    }, 30_000, 'the joined node to catch up');
    expect(joined.voters).toEqual([1, 2, 3, 4]);
    expect((await http(joinAddr, 'GET', '/v1/kv/k42?stale=true')).body.value).toBe('v42');
  });
});
