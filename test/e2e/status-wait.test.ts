// `chronik status --wait healthy|leader` through the real CLI against three real nodes on loopback:
// 0 as soon as the condition holds (also while the cluster is still starting or a member restarts),
// 1 at the timeout with the last status printed, 1 when nothing answers, 2 for bad values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import { freePort } from '../support/ports.js';
import { chronik } from './cli.js';
import { TestCluster, type TestNode } from './cluster.js';

const cluster = new TestCluster();
let nodes: TestNode[] = [];
let endpoints = '';

beforeAll(async () => {
  nodes = await cluster.startVoters(3);
  endpoints = nodes.map((n) => n.endpoint).join(',');
}, 60_000);

afterAll(async () => {
  await cluster.remove();
});

describe('status --wait', () => {
  it('returns 0 once a freshly started cluster has a leader, then once it is healthy', async () => {
    const started = Date.now();
    const leader = await chronik(['status', '--wait', 'leader', '--endpoints', endpoints, '--json']);
    expect(leader.code, leader.stderr).toBe(0);
    const report = JSON.parse(leader.stdout) as ClusterReport;
    expect(report.leader).toEqual(expect.any(Number));
    expect(report.nodes.find((n) => n.id === report.leader)?.role).toBe('leader');

    const healthy = await chronik(['status', '--wait', 'healthy', '--strict', '--endpoints', endpoints]);
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.stdout.trimEnd().split('\n').at(-1)).toMatch(/^healthy: leader \d at term \d+, 3\/3 voters reachable$/);
    expect(healthy.stderr).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('returns 1 at the timeout printing the last status, and 0 once the member is back', async () => {
    const victim = nodes[2]!;
    await victim.stop('SIGKILL');
    const started = Date.now();
    const timedOut = await chronik(['status', '--wait', 'healthy', '--strict', '--timeout', '1500ms', '--endpoints', endpoints, '--json']);
    expect(timedOut.code).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    const last = JSON.parse(timedOut.stdout) as ClusterReport;
    expect(last.healthy).toBe(false);
    expect(last.problems.map((p) => p.code)).toContain('VOTER_UNREACHABLE');
    expect(timedOut.stderr).toMatch(/^Error: the cluster was not healthy \(--strict\) within 1\.5s; last verdict: UNHEALTHY \(--strict\): .*VOTER_UNREACHABLE\n$/);

    // Without --strict a quorum with a leader is healthy: no waiting at all.
    const lenient = await chronik(['status', '--wait', 'healthy', '--timeout', '5s', '--endpoints', endpoints, '--json']);
    expect(lenient.code, lenient.stderr).toBe(0);

    // The wait spans the restart: started before the node is back, it returns once it is.
    const waiting = chronik(['status', '--wait', 'healthy', '--strict', '--timeout', '30s', '--endpoints', endpoints]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await victim.start();
    const back = await waiting;
    expect(back.code, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/healthy: leader \d at term \d+, 3\/3 voters reachable\n$/);
  }, 60_000);

  it('returns 1 when no endpoint answers until the timeout, and 2 for bad values', async () => {
    const closed = `127.0.0.1:${await freePort('client')}`;
    const nobody = await chronik(['status', '--wait', 'leader', '--timeout', '1s', '--endpoints', closed]);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr.split('\n')[0]).toBe(`Error: no endpoint answered: ${closed} (connection refused)`);

    const usage = await Promise.all([
      chronik(['status', '--wait', 'soon', '--endpoints', endpoints]),
      chronik(['status', '--wait', 'healthy', '--timeout', '30', '--endpoints', endpoints]),
      chronik(['status', '--wait', 'healthy', '--watch', '--endpoints', endpoints]),
      chronik(['status', '--wait', 'leader', '--data-dir', nodes[0]!.dataDir]),
      chronik(['status', '--wait', 'healthy', '--interval', 'often', '--endpoints', endpoints, '--json']),
    ]);
    expect(usage.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(usage.map((r) => r.stderr.split('\n')[0])).toEqual([
      'Error: Expected --wait=soon to be one of: healthy, leader',
      'Error: invalid --timeout "30"',
      'Error: --wait cannot be combined with --watch',
      'Error: --wait cannot be combined with --data-dir',
      'Error: invalid --interval "often"',
    ]);
    for (const r of usage) expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(JSON.parse(usage[4]!.stdout).error.exitCode).toBe(2);
  }, 60_000);
});
