// Chaos on real processes: concurrent writers and a reader against a 3-node cluster whose voters (the
// leader in two kills of three) are killed with -9 and restarted, repeatedly. Nothing acknowledged may be
// lost, every node must end with the same data, and the history of writes and reads must be linearizable.
// Run over plain HTTP and once more, shorter, over mutual TLS (members' streams, follower-handed writes and
// the clients' calls all on TLS, every restart a new handshake). Writes go to any live member, so followers
// hand most of them to the leader inside Raft; every acknowledgement must name the entry of that very write.
// The long version: `npm run chaos -- --seconds 300 [--tls]`.
import { afterAll, describe, expect, it } from 'vitest';
import { formatReport, runChaos } from '../faults/chaos.js';
import { killAll, removeDir, tempDir } from '../support/cluster.js';
import { makeWire, WIRES } from './wire.js';

const root = tempDir('chaos');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

/** The TLS run repeats the same checks in less time: what it adds is the wire, not more kills. */
const LENGTH = { plain: { seconds: 15, minKills: 4, leaderKills: 3 }, tls: { seconds: 8, minKills: 3, leaderKills: 2 } };

describe.each(WIRES)('chaos: kill -9 of voters under concurrent writes (%s)', { timeout: 240_000 }, (kind) => {
  it('loses no acknowledged write and keeps the history linearizable', async () => {
    const length = LENGTH[kind];
    const wire = makeWire(kind, 3);
    try {
      const report = await runChaos({ root: `${root}/${kind}`, seconds: length.seconds, minKills: length.minKills, wire });
      console.log(formatReport(report));
      expect(report.kills.length).toBeGreaterThanOrEqual(length.minKills);
      expect(report.kills.filter((kill) => kill.wasLeader).length).toBeGreaterThanOrEqual(length.leaderKills);
      expect(report.acknowledged).toBeGreaterThan(20);
      expect(report.lost).toEqual([]);
      expect(report.acknowledgedViaFollower).toBeGreaterThan(0);
      expect(report.notOwn).toEqual([]);
      expect(report.divergent).toEqual([]);
      expect(report.violations).toEqual([]);
    } finally {
      await wire.close();
    }
  });
});
