// The node's own snapshot runs in the background, with real processes. The test-only fault injector
// (CHRONIK_FAULT_FILE, `holdSnapshot`) keeps a snapshot in flight, its temp file written and fsynced but
// not yet renamed, for as long as a test needs: writes keep being acknowledged meanwhile; kill -9 then
// loses nothing, a clean stop abandons it; and a follower that installs a newer snapshot from the
// leader meanwhile keeps that one.
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../src/node/faults.js';
import { readDataDir } from '../../src/node/index.js';
import { LOCAL_SNAPSHOT_TEMP } from '../../src/node/snapshotter.js';
import { applyFaultPlan } from '../faults/cluster.js';
import { killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status, writeAll } from './node-harness.js';

const root = tempDir('snapbg');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

interface TestNode {
  id: number;
  addr: string;
  dir: string;
  faultFile: string;
  args: string[];
  env: Record<string, string>;
  proc?: NodeProcess;
}

function start(node: TestNode): NodeProcess {
  node.proc = spawnChronik(node.args, { ...node.env, CHRONIK_FAULT_FILE: node.faultFile });
  return node.proc;
}

async function kill(node: TestNode, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  node.proc?.proc.kill(signal);
  await node.proc?.exit;
}

/** Replaces the node's fault plan and waits until the running node has taken it up. */
async function setFaults(node: TestNode, plan: FaultPlan): Promise<void> {
  if (node.proc === undefined) throw new Error(`node ${node.id} is not running`);
  await applyFaultPlan(node.faultFile, plan, node.proc.proc, `node ${node.id}`);
}

async function expectValues(addr: string, keys: string[], value: (key: string) => string): Promise<void> {
  for (let i = 0; i < keys.length; i += 64) {
    const batch = keys.slice(i, i + 64);
    const answers = await Promise.all(batch.map((key) => http(addr, 'GET', `/v1/kv/${key}?stale=true`)));
    answers.forEach((answer, j) => expect(answer.body.value, `${batch[j]} on ${addr}`).toBe(value(batch[j] as string)));
  }
}

const keyValue = (key: string): string => `${key}=${key.length}`;

describe('background snapshots', { timeout: 180_000 }, () => {
  it('writes are acknowledged while a 10 MB snapshot is in flight; kill -9 then loses nothing', async () => {
    const addr = `127.0.0.1:${await freePort('e2e')}`;
    const node: TestNode = {
      id: 1,
      addr,
      dir: join(root, 'single'),
      faultFile: join(root, 'single-faults.json'),
      args: ['bootstrap', '--node-id', '1', '--listen', addr, '--data-dir', join(root, 'single')],
      env: { CHRONIK_SNAPSHOT_ENTRIES: '300', CHRONIK_SNAPSHOT_TRAILING: '50', CHRONIK_WAL_SEGMENT_BYTES: String(1024 * 1024) },
    };
    writeFileSync(node.faultFile, JSON.stringify({ holdSnapshot: true }));
    start(node);
    await agreedLeader([addr]);
    await setFaults(node, { holdSnapshot: true });

    // 160 values of 64 KiB, then small writes up to the snapshot trigger: the snapshot holds > 10 MB.
    const large = Array.from({ length: 160 }, (_, i) => `big${i}`);
    const largeValue = (key: string): string => `${key}:${'y'.repeat(64 * 1024)}`;
    await writeAll(addr, large, largeValue, 16);
    const pad = Array.from({ length: 200 }, (_, i) => `pad${i}`);
    await writeAll(addr, pad, keyValue, 32);
    const temp = join(node.dir, LOCAL_SNAPSHOT_TEMP);
    await eventually(async () => (existsSync(temp) && statSync(temp).size > 10 * 1024 * 1024 ? true : undefined), 60_000, 'the snapshot temp file to be written');

    // The snapshot is in flight (written, held before its rename): every write is still acknowledged.
    const during = Array.from({ length: 500 }, (_, i) => `during${i}`);
    await writeAll(addr, during, keyValue, 32);
    const view = (await http(addr, 'GET', '/v1/status')).body;
    expect(view.snapshotIndex).toBe(0);
    expect(view.appliedIndex as number).toBeGreaterThan(800);
    expect(existsSync(temp)).toBe(true);
    expect(node.proc?.stderr).not.toMatch(/snapshot taken/);

    // kill -9 mid-snapshot: the restarted node has every acknowledged write, and drops the temp file.
    await kill(node, 'SIGKILL');
    writeFileSync(node.faultFile, '{}');
    const back = start(node);
    await back.waitForLog(/node starting .*snapshot_index=0 fresh=false/);
    expect(existsSync(temp)).toBe(false);
    await agreedLeader([addr]);
    await expectValues(addr, during, keyValue);
    await expectValues(addr, pad, keyValue);
    await expectValues(addr, large, largeValue);

    // Released, the restarted node's next snapshot completes and trims the WAL.
    await writeAll(addr, Array.from({ length: 50 }, (_, i) => `after${i}`), keyValue, 8);
    await back.waitForLog(/INFO {2}snapshot taken .*bytes=[1-9]\d{7,} .*segments_removed=[1-9]/, 60_000);
    await kill(node, 'SIGTERM');
    const offline = readDataDir(node.dir);
    expect(offline.snapshotIndex).toBeGreaterThan(800);

    // A clean stop while a snapshot is in flight abandons it: exit 0, no temp file, nothing lost.
    writeFileSync(node.faultFile, JSON.stringify({ holdSnapshot: true }));
    const third = start(node);
    await agreedLeader([addr]);
    const late = Array.from({ length: 320 }, (_, i) => `late${i}`);
    await writeAll(addr, late, keyValue, 32);
    await eventually(async () => (existsSync(temp) ? true : undefined), 30_000, 'the next snapshot temp file');
    third.proc.kill('SIGTERM');
    expect(await third.exit).toBe(0);
    expect(third.stderr).toMatch(/INFO {2}snapshot abandoned node=1 .*reason="the node is stopping"/);
    expect(existsSync(temp)).toBe(false);
    expect(readDataDir(node.dir).snapshotIndex).toBe(offline.snapshotIndex);

    writeFileSync(node.faultFile, '{}');
    start(node);
    await agreedLeader([addr]);
    await expectValues(addr, during, keyValue);
    await expectValues(addr, late, keyValue);
    await expectValues(addr, large.slice(0, 20), largeValue);
  });

  it('a follower installing a newer snapshot from the leader while its own is in flight keeps the newer one', async () => {
    const ids = [1, 2, 3];
    const env = { CHRONIK_SNAPSHOT_ENTRIES: '200', CHRONIK_SNAPSHOT_TRAILING: '20', CHRONIK_WAL_SEGMENT_BYTES: String(16 * 1024) };
    const nodes = new Map<number, TestNode>();
    for (const id of ids) {
      const addr = `127.0.0.1:${await freePort('e2e')}`;
      const dir = join(root, `cluster-${id}`);
      nodes.set(id, { id, addr, dir, faultFile: join(root, `cluster-${id}-faults.json`), args: [], env });
    }
    const of = (id: number): TestNode => nodes.get(id) as TestNode;
    for (const node of nodes.values()) {
      const peers = ids.filter((other) => other !== node.id).map((other) => `${other}@${of(other).addr}`).join(',');
      node.args = ['bootstrap', '--node-id', String(node.id), '--listen', node.addr, '--peers', peers, '--data-dir', node.dir];
      start(node);
    }
    const { leader: leaderId } = await agreedLeader(ids.map((id) => of(id).addr));
    const leader = of(leaderId);
    const follower = of(ids.find((id) => id !== leaderId) as number);
    const third = of(ids.find((id) => id !== leaderId && id !== follower.id) as number);

    // The follower's own snapshot (at about index 200) is written and then held before its rename.
    await setFaults(follower, { holdSnapshot: true });
    const first = Array.from({ length: 250 }, (_, i) => `first${i}`);
    await writeAll(leader.addr, first, keyValue, 16);
    const temp = join(follower.dir, LOCAL_SNAPSHOT_TEMP);
    await eventually(async () => (existsSync(temp) ? true : undefined), 30_000, 'the follower snapshot temp file');

    // Cut off, the follower falls behind the leader's compaction point.
    await setFaults(follower, { holdSnapshot: true, drop: [leader.addr, third.addr] });
    await setFaults(leader, { drop: [follower.addr] });
    await setFaults(third, { drop: [follower.addr] });
    const second = Array.from({ length: 600 }, (_, i) => `second${i}`);
    await writeAll(leader.addr, second, keyValue, 32);
    const leaderView = (await http(leader.addr, 'GET', '/v1/status')).body;
    const followerView = await status(follower.addr);
    expect(leaderView.snapshotIndex as number).toBeGreaterThan(followerView.appliedIndex + 20);

    // Healed: the leader's snapshot is streamed and installed while the follower's own is still held.
    await setFaults(leader, {});
    await setFaults(third, {});
    await setFaults(follower, { holdSnapshot: true });
    const installed = await follower.proc?.waitForLog(/INFO {2}snapshot installed node=\d+ .*index=\d+/, 60_000);
    const installedIndex = Number(/ index=(\d+)/.exec(installed as string)?.[1]);
    expect(installedIndex).toBeGreaterThan(followerView.appliedIndex);
    expect(existsSync(temp)).toBe(true);

    // Released, the older local snapshot must not replace the leader's.
    await setFaults(follower, {});
    await follower.proc?.waitForLog(/INFO {2}snapshot abandoned node=\d+ .*reason="a newer snapshot was installed"/, 30_000);
    expect(existsSync(temp)).toBe(false);
    expect(readDataDir(follower.dir).snapshotIndex).toBeGreaterThanOrEqual(installedIndex);
    expect((await http(follower.addr, 'GET', '/v1/status')).body.snapshotIndex as number).toBeGreaterThanOrEqual(installedIndex);

    // And nothing is lost across a kill -9 and restart of that follower.
    await kill(follower, 'SIGKILL');
    expect(readDataDir(follower.dir).snapshotIndex).toBeGreaterThanOrEqual(installedIndex);
    start(follower);
    const commit = (await status(leader.addr)).commitIndex;
    await eventually(async () => ((await status(follower.addr)).appliedIndex >= commit ? true : undefined), 60_000, 'the follower to catch up');
    await expectValues(follower.addr, first, keyValue);
    await expectValues(follower.addr, second, keyValue);
  });
});
