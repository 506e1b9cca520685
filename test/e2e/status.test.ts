// status, transfer-leader, propose and get through the real CLI against three real nodes on loopback:
// healthy, leadership moved (and seen by --watch), degraded (one voter down), leaderless (two down),
// and offline (--data-dir of a stopped node).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import { chronik, startChronik } from './cli.js';
import { TestCluster, type TestNode } from './cluster.js';

const cluster = new TestCluster();
let nodes: TestNode[] = [];
let endpoints = '';

async function status(...extra: string[]): Promise<{ code: number | null; report: ClusterReport; stderr: string }> {
  const result = await chronik(['status', '--endpoints', endpoints, '--json', ...extra]);
  return { code: result.code, report: JSON.parse(result.stdout) as ClusterReport, stderr: result.stderr };
}

/** Polls status until `accept` holds: elections take a moment after a stop or a transfer. */
async function statusUntil(accept: (report: ClusterReport) => boolean, ...extra: string[]): Promise<Awaited<ReturnType<typeof status>>> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const result = await status(...extra);
    if (accept(result.report) || Date.now() > deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  nodes = await cluster.startVoters(3);
  endpoints = nodes.map((n) => n.endpoint).join(',');
}, 60_000);

afterAll(async () => {
  await cluster.remove();
});

describe('a three-node cluster through the CLI', () => {
  it('is healthy: exit 0, SPEC JSON, and a table with the verdict', async () => {
    const { code, report } = await statusUntil((r) => r.healthy && r.nodes.every((n) => n.leader === r.leader));
    expect(code).toBe(0);
    expect(report).toMatchObject({ healthy: true, voters: [1, 2, 3], learners: [], problems: [] });
    expect(report.nodes.map((n) => [n.id, n.endpoint, n.reachable, n.member])).toEqual(nodes.map((n) => [n.spec.id, n.endpoint, true, 'voter']));
    expect(report.nodes.filter((n) => n.role === 'leader').map((n) => n.id)).toEqual([report.leader]);

    const config = join(cluster.dir, 'cluster.yaml');
    writeFileSync(config, `cluster: e2e\nnodes:\n${nodes.map((n) => `  - { id: ${n.spec.id}, addr: ${n.endpoint} }`).join('\n')}\n`);
    const fromConfig = await chronik(['status', '--config', config, '--json']);
    expect(fromConfig.code, fromConfig.stderr).toBe(0);
    expect((JSON.parse(fromConfig.stdout) as ClusterReport).voters).toEqual([1, 2, 3]);

    // One endpoint is enough: the others are discovered from the membership.
    const table = await chronik(['status', '--endpoints', nodes[2]!.endpoint]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ENDPOINT\s+ROLE\s+MEMBER\s+TERM\s+LEADER\s+COMMIT\s+APPLIED\s+LAG\s+HEALTH$/);
    expect(lines.filter((l) => /^\d\s/.test(l))).toHaveLength(3);
    expect(lines.at(-1)).toBe(`healthy: leader ${report.leader} at term ${report.term}, 3/3 voters reachable`);
  }, 120_000);

  it('writes and reads keys from any endpoint, from a file and from stdin', async () => {
    const write = await chronik(['propose', 'brokers/1', 'host=a port=9092', '--endpoints', nodes[1]!.endpoint, '--json']);
    expect(write.code, write.stderr).toBe(0);
    const written = JSON.parse(write.stdout) as { key: string; index: number; term: number; leader: number };
    expect(written).toMatchObject({ key: 'brokers/1', leader: expect.any(Number) });

    const file = join(cluster.dir, 'value.json');
    writeFileSync(file, '{"partitions": 12}');
    expect((await chronik(['propose', 'topics/orders', '--file', file, '--endpoints', endpoints])).stdout).toMatch(/^committed topics\/orders at index \d+ \(term \d+, leader \d\)\n$/);
    expect((await chronik(['propose', 'from/stdin', '--file', '-', '--endpoints', endpoints], { input: 'piped value' })).code).toBe(0);

    const read = await chronik(['get', 'brokers/1', '--endpoints', nodes[2]!.endpoint, '--json']);
    expect(JSON.parse(read.stdout)).toEqual({ key: 'brokers/1', value: 'host=a port=9092', index: expect.any(Number) });
    expect(JSON.parse(read.stdout).index).toBeGreaterThanOrEqual(written.index);
    expect((await chronik(['get', 'topics/orders', '--endpoints', endpoints])).stdout).toBe('{"partitions": 12}\n');
    expect((await chronik(['get', 'from/stdin', '--stale', '--endpoints', nodes[0]!.endpoint])).stdout).toBe('piped value\n');

    const big = join(cluster.dir, 'big.bin');
    writeFileSync(big, 'x'.repeat(1024 * 1024 + 1));
    const [tooLarge, longKey] = await Promise.all([
      chronik(['propose', 'big', '--file', big, '--endpoints', endpoints]),
      chronik(['propose', 'k'.repeat(4097), 'v', '--endpoints', endpoints, '--json']),
    ]);
    expect(tooLarge.code, tooLarge.stderr).toBe(2);
    expect(tooLarge.stderr.split('\n')).toHaveLength(2);
    expect(longKey.code, longKey.stderr).toBe(2);
    expect(JSON.parse(longKey.stdout).error.exitCode).toBe(2);

    const missing = await chronik(['get', 'no/such/key', '--endpoints', endpoints]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error: key "no/such/key" not found\n');
  }, 120_000);

  it('transfers leadership, and --watch reports the change as an event line', async () => {
    const before = (await status()).report;
    const target = nodes.map((n) => n.spec.id).find((id) => id !== before.leader)!;
    const watching = startChronik(['status', '--watch', '--interval', '200ms', '--timeout', '2m', '--endpoints', endpoints]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const moved = await chronik(['transfer-leader', String(target), '--endpoints', endpoints]);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(new RegExp(`^node ${target} leads at term \\d+\\n$`));
    const again = await chronik(['transfer-leader', String(target), '--endpoints', endpoints, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ changed: false, leader: target });

    // Let the watch take a few samples after the change, then Ctrl-C it: it exits with the last sample's code.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    watching.kill('SIGINT');
    const watched = await watching.result;
    expect(watched.code).toBe(0);
    const lines = watched.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => 'healthy' in l).length).toBeGreaterThanOrEqual(3);
    // A sample may fall inside the election and see no leader: then the change arrives as two events.
    const changes = lines.filter((l) => l.event === 'leader-changed');
    expect(changes[0]).toMatchObject({ previousLeader: before.leader });
    expect(changes.at(-1)).toMatchObject({ leader: target });
    expect((await status()).report.leader).toBe(target);
  }, 120_000);

  it('is degraded but healthy with one voter down, and unhealthy under --strict', async () => {
    const leader = (await status()).report.leader;
    const victim = nodes.find((n) => n.spec.id !== leader)!;
    await victim.stop('SIGKILL');
    const { code, report } = await statusUntil((r) => r.nodes.some((n) => !n.reachable));
    expect(code).toBe(0);
    expect(report.healthy).toBe(true);
    expect(report.nodes.find((n) => n.id === victim.spec.id)).toEqual({ id: victim.spec.id, endpoint: victim.endpoint, reachable: false, member: 'voter', error: 'connection refused' });
    expect(report.problems.map((p) => p.code)).toEqual(['VOTER_UNREACHABLE']);
    const strict = await status('--strict');
    expect(strict.code).toBe(3);
    expect(strict.report.healthy).toBe(false);
    const table = await chronik(['status', '--endpoints', endpoints]);
    expect(table.stdout).toMatch(new RegExp(`${victim.endpoint}\\s+-\\s+voter(\\s+-){5}\\s+unreachable \\(connection refused\\)`));
    expect(table.stdout).toMatch(/\ndegraded: leader \d at term \d+, 2\/3 voters reachable; VOTER_UNREACHABLE\n/);
  }, 120_000);

  it('has no leader with two of three down: status exits 3, propose exits 1 naming the voters', async () => {
    const leader = (await status()).report.leader;
    const survivor = nodes.find((n) => n.running && n.spec.id !== leader)!;
    await Promise.all(nodes.filter((n) => n !== survivor).map((n) => n.stop('SIGKILL')));
    const { code, report } = await statusUntil((r) => r.leader === null);
    expect(code).toBe(3);
    expect(report).toMatchObject({ healthy: false, leader: null });
    expect(report.problems[0]?.code).toBe('NO_LEADER');
    const table = await chronik(['status', '--endpoints', endpoints]);
    expect(table.code).toBe(3);
    expect(table.stdout.trimEnd().split('\n').at(-4)).toBe('NO LEADER: 1/3 voters reachable, quorum needs 2');

    const propose = await chronik(['propose', 'k', 'v', '--endpoints', endpoints, '--timeout', '1500ms']);
    expect(propose.code).toBe(1);
    expect(propose.stderr.split('\n')[0]).toBe('Error: no leader within 1.5s: voters 1, 2, 3; 1 of 3 answer, a quorum needs 2');
    const json = await chronik(['propose', 'k', 'v', '--endpoints', endpoints, '--timeout', '500ms', '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).error.message).toMatch(/^no leader within 500ms/);
  }, 120_000);

  it('reads a stopped node offline with --data-dir, and fails with exit 1 when nothing answers', async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    const offline = await chronik(['status', '--data-dir', nodes[0]!.dataDir, '--json']);
    expect(offline.code, offline.stderr).toBe(0);
    expect(JSON.parse(offline.stdout)).toMatchObject({ healthy: true, id: 1, voters: [1, 2, 3], learners: [], lockedBy: null, problems: [] });
    const text = await chronik(['status', '--data-dir', nodes[0]!.dataDir]);
    expect(text.stdout).toMatch(/^voters\s+1@127\.0\.0\.1:\d+, 2@127\.0\.0\.1:\d+, 3@127\.0\.0\.1:\d+$/m);
    expect(text.stdout.trimEnd().split('\n').at(-1)).toMatch(/^offline: node 1 at term \d+, 3 voters on disk$/);

    const none = await chronik(['status', '--endpoints', endpoints]);
    expect(none.code).toBe(1);
    expect(none.stderr.split('\n')[0]).toBe(`Error: no endpoint answered: ${nodes.map((n) => `${n.endpoint} (connection refused)`).join(', ')}`);
    const notDir = await chronik(['status', '--data-dir', join(cluster.dir, 'absent')]);
    expect(notDir.code).toBe(2);
  }, 120_000);
});
