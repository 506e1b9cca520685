// Recovery from lost quorum end to end: a three-node cluster takes writes, two nodes are lost for good,
// `recover plan` picks the survivor and prints the commands, `recover apply` (run as printed) makes it a
// single-voter cluster with every entry it had, and add-voter grows it back to three.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import type { ApplyResult } from '../../src/node/recover.js';
import type { RecoveryPlan } from '../../src/shared/recovery.js';
import { chronik } from './cli.js';
import { TestCluster, type TestNode } from './cluster.js';

const cluster = new TestCluster();
let nodes: TestNode[] = [];
const keys = ['brokers/1', 'brokers/2', 'topics/orders', 'topics/payments'];

async function status(endpoints: string): Promise<{ code: number | null; report: ClusterReport }> {
  const result = await chronik(['status', '--endpoints', endpoints, '--json']);
  return { code: result.code, report: JSON.parse(result.stdout || '{}') as ClusterReport };
}

async function until<T>(probe: () => Promise<T>, accept: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

beforeAll(async () => {
  nodes = await cluster.startVoters(3);
}, 60_000);

afterAll(async () => {
  await cluster.remove();
});

describe('recovery from lost quorum', () => {
  let survivor: TestNode;
  let plan: RecoveryPlan;

  it('takes writes, then loses two nodes: plan refuses while a quorum survives, then picks the survivor', async () => {
    const endpoints = nodes.map((n) => n.endpoint).join(',');
    for (const key of keys) {
      const written = await chronik(['propose', key, `value of ${key}`, '--endpoints', endpoints]);
      expect(written.code, written.stderr).toBe(0);
    }
    // Every node has applied every write before the crash, so the survivor holds them all.
    const healthy = await until(() => status(endpoints), ({ report }) => report.healthy && new Set(report.nodes.map((n) => n.appliedIndex)).size === 1);
    const leader = healthy.report.leader;
    survivor = nodes.find((n) => n.spec.id !== leader)!;
    const lost = nodes.filter((n) => n !== survivor);
    await Promise.all(nodes.map((n) => n.stop('SIGKILL')));

    // Two of three data dirs are a quorum: nothing to recover.
    const quorum = await chronik(['recover', 'plan', survivor.dataDir, lost[0]!.dataDir]);
    expect(quorum.code).toBe(1);
    expect(quorum.stderr.split('\n')[0]).toMatch(/^Error: nothing to recover: nodes \d, \d are 2 of the 3 voters, a quorum$/);

    lost.forEach((n) => rmSync(n.dataDir, { recursive: true, force: true }));
    const planned = await chronik(['recover', 'plan', survivor.dataDir, '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    plan = JSON.parse(planned.stdout) as RecoveryPlan;
    expect(plan).toMatchObject({ kind: 'chronik', quorum: 2, best: { id: survivor.spec.id }, voters: nodes.map((n) => ({ id: n.spec.id, addr: n.endpoint })) });
    expect(plan.steps.map((s) => [s.id, s.role, s.survived])).toEqual([[survivor.spec.id, 'keep', true], ...lost.map((n) => [n.spec.id, 'rejoin', false])]);
    const text = await chronik(['recover', 'plan', survivor.dataDir]);
    expect(text.stdout).toMatch(/^QUORUM LOST: 1 of 3 voters survive \(voters 1, 2, 3\), a quorum needs 2$/m);
    expect(text.stdout).toContain(`  chronik recover apply --data-dir ${plan.best.dataDir} --voters ${survivor.spec.id} --yes`);
  }, 120_000);

  it('apply refuses without --yes and while the node runs, then rewrites the voters as printed', async () => {
    const printed = plan.steps[0]!.commands[0]!.split(' ').slice(1);
    const withoutYes = await chronik(printed.filter((a) => a !== '--yes'));
    expect(withoutYes.code).toBe(2);
    expect(withoutYes.stderr.split('\n')[0]).toBe('Error: recover apply rewrites the membership of a cluster that lost its quorum; add --yes to confirm');

    await survivor.start();
    const running = await chronik(printed);
    expect(running.code).toBe(1);
    expect(running.stderr.split('\n')[0]).toMatch(/^Error: data dir .* is in use by process \d+: refusing to rewrite the voters of a running node$/);
    await survivor.stop();

    const applied = await chronik([...printed, '--json']);
    expect(applied.code, applied.stderr).toBe(0);
    const result = JSON.parse(applied.stdout) as ApplyResult;
    expect(result).toMatchObject({ id: survivor.spec.id, previousVoters: [1, 2, 3], voters: [survivor.spec.id] });
    expect(result.entries.map((e) => e.change)).toEqual(nodes.filter((n) => n !== survivor).map((n) => `remove ${n.spec.id}`));
    const offline = JSON.parse((await chronik(['status', '--data-dir', survivor.dataDir, '--json'])).stdout) as { voters: number[]; commitIndex: number };
    expect(offline).toMatchObject({ voters: [survivor.spec.id], commitIndex: result.commit });
  }, 120_000);

  it('comes back as a single-voter cluster with every write, and add-voter grows it back to three', async () => {
    await survivor.start();
    const single = await until(() => status(survivor.endpoint), ({ report }) => report.healthy);
    expect(single.code).toBe(0);
    expect(single.report).toMatchObject({ healthy: true, leader: survivor.spec.id, voters: [survivor.spec.id] });
    for (const key of keys) {
      const read = await chronik(['get', key, '--endpoints', survivor.endpoint]);
      expect(read.stdout).toBe(`value of ${key}\n`);
    }

    // The lost members come back with their ids and addresses on fresh data dirs, as the plan's rejoin steps say.
    const rejoined = plan.steps.slice(1).map((step) => cluster.node({ id: Number(step.id), port: Number(step.addr.split(':')[1]), join: true }));
    for (const [i, node] of rejoined.entries()) {
      expect(plan.steps[i + 1]!.commands.at(-1)).toBe(`chronik add-voter ${node.spec.id}@${node.endpoint} --endpoints ${survivor.endpoint}`);
      await node.start();
      const added = await chronik(['add-voter', `${node.spec.id}@${node.endpoint}`, '--endpoints', survivor.endpoint]);
      expect(added.code, added.stderr).toBe(0);
    }
    const all = [survivor, ...rejoined].map((n) => n.endpoint).join(',');
    const grown = await until(() => status(all), ({ report }) => report.healthy && report.voters.length === 3 && report.problems.length === 0);
    expect(grown.report.voters).toEqual([survivor.spec.id, ...rejoined.map((n) => n.spec.id)].sort((a, b) => a - b));
    const stale = await chronik(['get', keys[3]!, '--stale', '--endpoints', rejoined[1]!.endpoint]);
    expect(stale.stdout).toBe(`value of ${keys[3]}\n`);
  }, 120_000);
});
