// `chronik status` attached to real etcd 3.4 clusters on loopback through etcd's v3 JSON gateway:
// healthy, a member of another cluster in the endpoint list, one member down, quorum lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import { chronik } from './cli.js';
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EtcdOfflineReport } from '../../src/client/attach/etcd-datadir.js';
import { EtcdCluster, putKeys, type EtcdMember } from './etcd-cluster.js';

const etcd = new EtcdCluster();
let members: EtcdMember[] = [];
let stray: EtcdMember | undefined;
let endpoints = '';

async function status(...extra: string[]): Promise<{ code: number | null; report: ClusterReport; stderr: string }> {
  const result = await chronik(['status', '--endpoints', endpoints, '--json', ...extra]);
  return { code: result.code, report: JSON.parse(result.stdout || '{}') as ClusterReport, stderr: result.stderr };
}

async function statusUntil(accept: (report: ClusterReport) => boolean, ...extra: string[]): Promise<Awaited<ReturnType<typeof status>>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const result = await status(...extra);
    if (accept(result.report) || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  // A small snapshot count makes the members write .snap files, so the offline reader meets them too.
  [members, [stray]] = await Promise.all([etcd.start(3, 'm', 'chronik-test', ['--snapshot-count', '20']), etcd.start(1, 'other', 'another-cluster')]);
  await putKeys(members[0]!, Array.from({ length: 50 }, (_, i) => `key-${i}`));
  endpoints = members.map((m) => m.endpoint).join(',');
}, 60_000);

afterAll(async () => {
  await etcd.remove();
});

describe('status against a real etcd cluster', () => {
  it('is healthy: recognised as etcd from one endpoint, exit 0, the SPEC JSON and the table', async () => {
    const single = await chronik(['status', '--endpoints', members[1]!.endpoint, '--json']);
    expect(single.code, single.stderr).toBe(0);
    const report = JSON.parse(single.stdout) as ClusterReport;
    expect(report).toMatchObject({ kind: 'etcd', clusterId: expect.stringMatching(/^[0-9a-f]+$/), healthy: true, learners: [], problems: [] });
    expect(report.voters).toHaveLength(3);
    // One endpoint was given: the other members were found through its member list.
    const rows = report.nodes.map((n) => [n.name, n.endpoint, n.reachable, n.member]);
    expect(rows.sort()).toEqual(members.map((m) => [m.name, m.endpoint, true, 'voter']));
    expect(report.nodes.filter((n) => n.role === 'leader').map((n) => n.id)).toEqual([report.leader]);
    expect(report.nodes.every((n) => n.leader === report.leader && n.term === report.term)).toBe(true);

    const table = await chronik(['status', '--kind', 'etcd', '--endpoints', endpoints]);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ENDPOINT\s+ROLE\s+MEMBER\s+TERM\s+LEADER\s+COMMIT\s+APPLIED\s+LAG\s+HEALTH$/);
    expect(lines.filter((l) => /^[0-9a-f]{6,}\s/.test(l))).toHaveLength(3);
    expect(lines.at(-1)).toBe(`healthy: leader ${report.leader} at term ${report.term}, 3/3 voters reachable`);

    // --watch samples the etcd cluster the same way: one JSON line per sample until --timeout.
    const watched = await chronik(['status', '--kind', 'etcd', '--endpoints', endpoints, '--watch', '--interval', '300ms', '--timeout', '1500ms']);
    expect(watched.code, watched.stderr).toBe(0);
    const samples = watched.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as ClusterReport & { time: string });
    expect(samples.length).toBeGreaterThanOrEqual(2);
    expect(samples.every((s) => s.kind === 'etcd' && s.healthy && s.leader === report.leader)).toBe(true);
  }, 60_000);

  it('reports a member of another cluster in the endpoint list without letting it pick the leader', async () => {
    const { code, report } = await status();
    const mixed = await chronik(['status', '--endpoints', `${stray!.endpoint},${endpoints}`, '--json']);
    const withStray = JSON.parse(mixed.stdout) as ClusterReport;
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(withStray).toMatchObject({ kind: 'etcd', clusterId: report.clusterId, leader: report.leader, voters: report.voters });
    expect(code).toBe(0);
    const mismatch = withStray.problems.find((p) => p.code === 'CLUSTER_ID_MISMATCH');
    expect(mismatch?.message).toMatch(new RegExp(`^node [0-9a-f]+ \\(other1\\) at ${stray!.endpoint} belongs to cluster [0-9a-f]+, the other members to cluster ${report.clusterId}`));
    expect(withStray.nodes.find((n) => n.endpoint === stray!.endpoint)).toMatchObject({ name: 'other1', reachable: true, role: 'leader' });
  }, 60_000);

  it('is degraded with one member down, naming it, and unhealthy under --strict', async () => {
    const before = (await status()).report;
    const victim = members.find((m) => before.nodes.find((n) => n.name === m.name)?.id !== before.leader)!;
    await victim.kill();
    const { code, report } = await statusUntil((r) => r.nodes.some((n) => !n.reachable));
    expect(code).toBe(0);
    expect(report).toMatchObject({ kind: 'etcd', healthy: true, leader: before.leader });
    const victimId = before.nodes.find((n) => n.name === victim.name)?.id;
    expect(report.nodes.find((n) => n.id === victimId)).toEqual({ id: victimId, name: victim.name, endpoint: victim.endpoint, reachable: false, member: 'voter', error: 'connection refused' });
    expect(report.problems).toEqual([{ code: 'VOTER_UNREACHABLE', message: `voter ${victimId} (${victim.name}) at ${victim.endpoint} is unreachable: connection refused` }]);
    const strict = await status('--strict');
    expect(strict.code).toBe(3);
    const table = await chronik(['status', '--endpoints', endpoints]);
    expect(table.stdout).toMatch(/\ndegraded: leader [0-9a-f]+ at term \d+, 2\/3 voters reachable; VOTER_UNREACHABLE\n/);
  }, 60_000);

  let live: ClusterReport;

  it('has lost its quorum with two members down: exit 3 with QUORUM_LOST', async () => {
    live = (await status()).report;
    const leaderName = (await status()).report.nodes.find((n) => n.role === 'leader')?.name;
    await members.find((m) => m.running && m.name === leaderName)?.kill();
    const { code, report } = await statusUntil((r) => r.leader === null);
    expect(code).toBe(3);
    expect(report).toMatchObject({ kind: 'etcd', healthy: false, leader: null });
    expect(report.problems.slice(0, 2).map((p) => p.code)).toEqual(['NO_LEADER', 'QUORUM_LOST']);
    expect(report.problems[1]?.message).toMatch(/^only 1 of 3 voters answer, a quorum needs 2/);
    const table = await chronik(['status', '--endpoints', endpoints]);
    expect(table.code).toBe(3);
    expect(table.stdout).toMatch(/\nNO LEADER: 1\/3 voters reachable, quorum needs 2\n {2}QUORUM_LOST: only 1 of 3/);

    await Promise.all(members.map((m) => m.kill()));
    const none = await chronik(['status', '--kind', 'etcd', '--endpoints', endpoints]);
    expect(none.code).toBe(1);
    expect(none.stderr.split('\n')[0]).toBe(`Error: no endpoint answered: ${members.map((m) => `${m.endpoint} (connection refused)`).join(', ')}`);
  }, 60_000);

  it("reads each stopped member's data dir offline: ids, cluster ID and voters as the live cluster reported", async () => {
    const reports = await Promise.all(
      members.map(async (m) => {
        const result = await chronik(['status', '--data-dir', m.dataDir, '--json']);
        expect(result.code, result.stderr).toBe(0);
        return JSON.parse(result.stdout) as EtcdOfflineReport;
      }),
    );
    for (const [i, report] of reports.entries()) {
      expect(report).toMatchObject({ kind: 'etcd', clusterId: live.clusterId, healthy: true, name: members[i]!.name, voters: live.voters, learners: [], problems: [] });
      expect(report.id).toBe(live.nodes.find((n) => n.name === members[i]!.name)?.id);
      expect(report.snapshotIndex).toBeGreaterThan(0);
      expect(report.lastIndex).toBeGreaterThan(50);
      expect(report.commitIndex).toBeLessThanOrEqual(report.lastIndex);
    }
    const text = await chronik(['status', '--data-dir', members[0]!.dataDir]);
    expect(text.stdout).toMatch(new RegExp(`^member\\s+${reports[0]!.id} \\(m1\\), cluster ${live.clusterId}$`, 'm'));

    // One flipped bit inside a record that is not the last breaks its CRC: exit 1 naming file and offset.
    const copy = join(etcd.dir, 'damaged');
    cpSync(members[0]!.dataDir, copy, { recursive: true });
    const walDir = join(copy, 'member', 'wal');
    const file = join(walDir, readdirSync(walDir).filter((f) => f.endsWith('.wal')).sort()[0]!);
    const bytes = readFileSync(file);
    bytes[200] = (bytes[200] as number) ^ 0x01;
    writeFileSync(file, bytes);
    const damaged = await chronik(['status', '--data-dir', copy]);
    expect(damaged.code).toBe(1);
    expect(damaged.stderr.split('\n')[0]).toMatch(/^Error: etcd WAL .*\.wal(: record at offset \d+ fails its CRC| has an undecodable record at offset \d+.*)$/);
  }, 60_000);
});
