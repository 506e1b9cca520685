// Catching up by snapshot with real processes: a follower stopped while 20,000 entries are written and
// compacted comes back through a streamed snapshot and serves identical reads; kill -9 during a snapshot
// install (follower) and during a snapshot write (the node taking it) loses nothing, whatever the instant;
// the WAL stays bounded under steady writes.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readDataDir } from '../../src/node/index.js';
import { bootstrapArgs, killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status, writeAll } from './node-harness.js';

const root = tempDir('snapcatch');
const env = { CHRONIK_SNAPSHOT_ENTRIES: '1000', CHRONIK_SNAPSHOT_TRAILING: '250', CHRONIK_WAL_SEGMENT_BYTES: String(256 * 1024) };

afterAll(async () => {
  await killAll();
  removeDir(root);
});

const ids = [1, 2, 3];
const addrs = new Map<number, string>();
const argsOf = new Map<number, string[]>();
const nodes = new Map<number, NodeProcess>();
const addr = (id: number): string => addrs.get(id) as string;
const dirOf = (id: number): string => join(root, `node-${id}`);

function start(id: number): NodeProcess {
  const node = spawnChronik(argsOf.get(id) as string[], env);
  nodes.set(id, node);
  return node;
}

async function stop(id: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
  const node = nodes.get(id) as NodeProcess;
  node.proc.kill(signal);
  await node.exit;
}

async function caughtUp(id: number, leader: string): Promise<void> {
  const commit = (await status(leader)).commitIndex;
  await eventually(async () => ((await status(addr(id))).appliedIndex >= commit ? true : undefined), 60_000, `node ${id} to catch up`);
}

/** Every key reads back its expected value from `id` without a leader round trip. */
async function expectValues(id: number, keys: string[], value: (key: string) => string): Promise<void> {
  for (let i = 0; i < keys.length; i += 64) {
    const batch = keys.slice(i, i + 64);
    const answers = await Promise.all(batch.map((key) => http(addr(id), 'GET', `/v1/kv/${key}?stale=true`)));
    answers.forEach((answer, j) => expect(answer.body.value, `${batch[j]} on node ${id}`).toBe(value(batch[j] as string)));
  }
}

describe('snapshot catch-up and crashes', { timeout: 240_000 }, () => {
  it('a follower down for 20,000 compacted writes catches up by snapshot; kill -9 mid-install and mid-snapshot loses nothing', async () => {
    for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort('e2e')}`);
    for (const id of ids) {
      const peers = ids.filter((other) => other !== id).map((other) => ({ id: other, addr: addr(other) }));
      argsOf.set(id, bootstrapArgs({ id, addr: addr(id), peers, dataDir: dirOf(id) }));
      start(id);
    }
    const { leader } = await agreedLeader([...addrs.values()]);
    const [lagging, other] = ids.filter((id) => id !== leader) as [number, number];
    await stop(lagging, 'SIGTERM');

    const small = Array.from({ length: 20_000 }, (_, i) => `s${i % 5000}-${Math.floor(i / 5000)}`);
    const smallValue = (key: string): string => `${key}:${'x'.repeat(200)}`;
    // A put is idempotent, so a 504 (not applied in time, e.g. while a 10 MB snapshot is encoded on a loaded
    // machine) is retried.
    await writeAll(addr(leader), small, smallValue, 96, 4);

    // Disk stays bounded: about 4.6 MB went through the WAL; compaction kept it near one snapshot interval.
    const leaderStatus = (await http(addr(leader), 'GET', '/v1/status')).body;
    expect(leaderStatus.snapshotIndex as number).toBeGreaterThanOrEqual(18_000);
    expect(leaderStatus.walBytes as number).toBeLessThan(2 * 1024 * 1024);
    expect(readdirSync(join(dirOf(leader), 'wal'))).not.toContain('0000000000000001.wal');
    const metrics = (await http(addr(leader), 'GET', '/metrics')).text;
    expect(metrics).toMatch(new RegExp(`^chronik_snapshot_index ${leaderStatus.snapshotIndex as number}$`, 'm'));
    expect(metrics).toMatch(/^chronik_wal_bytes [1-9]\d*$/m);

    const back = start(lagging);
    await back.waitForLog(/INFO {2}snapshot installed node=\d+ .*index=\d+/, 60_000);
    await caughtUp(lagging, addr(leader));
    await expectValues(lagging, small, smallValue);

    // kill -9 of a follower while it receives a large snapshot (10 MB in 1 MiB chunks): whenever it hit
    // (before, during or after the transfer) the restarted follower must end with every value.
    await stop(lagging, 'SIGTERM');
    const large = Array.from({ length: 160 }, (_, i) => `big${i}`);
    const largeValue = (key: string): string => `${key}:${'y'.repeat(64 * 1024)}`;
    await writeAll(addr(leader), large, largeValue, 16);
    await writeAll(addr(leader), Array.from({ length: 1100 }, (_, i) => `pad${i}`), (key) => key, 96);
    start(lagging);
    await eventually(async () => (existsSync(join(dirOf(lagging), 'snapshot.part')) || existsSync(join(dirOf(lagging), 'snapshot.recv.bin')) ? true : undefined), 30_000, 'a snapshot transfer to begin').catch(() => undefined);
    await stop(lagging, 'SIGKILL');
    start(lagging);
    await caughtUp(lagging, addr(leader));
    await expectValues(lagging, large, largeValue);
    await expectValues(lagging, small.slice(-5000), smallValue);

    // kill -9 of a node while it writes a snapshot of that state: writes keep flowing to the leader, and the
    // other follower is killed as soon as its temp snapshot file appears (or at the end of the writes).
    const tail = Array.from({ length: 1200 }, (_, i) => `t${i}`);
    const writing = writeAll(addr(leader), tail, (key) => `${key}!`, 64);
    await eventually(async () => (existsSync(join(dirOf(other), '.snapshot.bin.local.tmp')) ? true : undefined), 60_000, 'a snapshot write').catch(() => undefined);
    await stop(other, 'SIGKILL');
    await writing;
    const offline = readDataDir(dirOf(other));
    expect(offline.voters.map((v) => v.id)).toEqual(ids);
    const restarted = start(other);
    await restarted.waitForLog(/node starting .*fresh=false/);
    await caughtUp(other, addr(leader));
    await expectValues(other, tail, (key) => `${key}!`);
    await expectValues(other, large.slice(0, 50), largeValue);
  });
});
