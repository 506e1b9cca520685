// Chaos on real processes: concurrent writers and a reader against a 3-node cluster whose voters (the
// leader in two kills of three) are killed with -9 and restarted, repeatedly. Nothing acknowledged may be
// lost, every node must end with the same data, and the history of writes and reads must be linearizable.
// Writes go to any live member, so followers hand most of them to the leader inside Raft; every
// acknowledgement must name the entry of that very write.
// The long version: `npm run chaos -- --seconds 300`.
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, runChaos } from '../faults/chaos.js';
import { killAll, removeDir, tempDir } from '../support/cluster.js';

const root = tempDir('chaos');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

describe('chaos: kill -9 of voters under concurrent writes', { timeout: 240_000 }, () => {
  it('loses no acknowledged write and keeps the history linearizable', async () => {
    const report = await runChaos({ root, seconds: 15, minKills: 4 });
    console.log(formatReport(report));
    expect(report.kills.length).toBeGreaterThanOrEqual(4);
    expect(report.kills.filter((kill) => kill.wasLeader).length).toBeGreaterThanOrEqual(3);
    expect(report.acknowledged).toBeGreaterThan(20);
    expect(report.lost).toEqual([]);
    expect(report.acknowledgedViaFollower).toBeGreaterThan(0);
    expect(report.notOwn).toEqual([]);
    expect(report.divergent).toEqual([]);
    expect(report.violations).toEqual([]);
  });
});
