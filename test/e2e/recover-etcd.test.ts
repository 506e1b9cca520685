// recover plan for a real etcd 3.4 cluster that lost two of three members for good: the plan picks the
// survivor, and its printed commands, run as printed, bring etcd back to three members with its data.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import type { RecoveryPlan } from '../../src/shared/recovery.js';
import { chronik } from './cli.js';
import { ETCD, EtcdCluster, putKeys, type EtcdMember } from './etcd-cluster.js';

const etcd = new EtcdCluster();
let members: EtcdMember[] = [];
const started: ChildProcess[] = [];
const keys = Array.from({ length: 20 }, (_, i) => `recover-${i}`);

/** Starts a printed `etcd ...` command line in the scratch dir (where a relative --data-dir lands). */
function startPrinted(command: string): ChildProcess {
  const [program, ...args] = command.split(' ');
  expect(program).toBe('etcd');
  const child = spawn(ETCD, args, { cwd: etcd.dir, stdio: 'ignore' });
  started.push(child);
  return child;
}

/** Runs a printed `etcdctl ...` command, retrying as an operator would while etcd says the cluster is not ready. */
async function runPrinted(command: string): Promise<void> {
  const [program, ...args] = command.split(' ');
  expect(program).toBe('etcdctl');
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      await promisify(execFile)('/usr/bin/etcdctl', args, { cwd: etcd.dir, env: { ...process.env, ETCDCTL_API: '3' } });
      return;
    } catch (err) {
      // etcd refuses a member add until every member has been connected for a few seconds.
      if (!/unhealthy cluster/.test(String((err as { stderr?: string }).stderr)) || Date.now() > deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

async function statusUntil(endpoint: string, accept: (r: ClusterReport) => boolean): Promise<ClusterReport> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const result = await chronik(['status', '--kind', 'etcd', '--endpoints', endpoint, '--json']);
    const report = JSON.parse(result.stdout || '{}') as ClusterReport;
    if ((result.code === 0 && accept(report)) || Date.now() > deadline) return report;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

async function read(member: string, key: string): Promise<string | undefined> {
  const response = await fetch(`http://${member}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: Buffer.from(key).toString('base64') }) });
  const body = (await response.json()) as { kvs?: { value: string }[] };
  const value = body.kvs?.[0]?.value;
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString();
}

beforeAll(async () => {
  members = await etcd.start(3, 'r', 'recover-test');
}, 60_000);

afterAll(async () => {
  await Promise.all(
    started.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGKILL'); }) : undefined)),
  );
  await etcd.remove();
});

describe('recover plan for etcd', () => {
  it('refuses while a quorum survives, then plans from the one survivor and its commands bring etcd back with its data', async () => {
    await putKeys(members[0]!, keys);
    const endpoints = members.map((m) => m.endpoint).join(',');
    const live = await statusUntil(endpoints, (r) => r.healthy && new Set(r.nodes.map((n) => n.appliedIndex)).size === 1);
    const survivor = members.find((m) => live.nodes.find((n) => n.name === m.name)?.id !== live.leader)!;
    const lost = members.filter((m) => m !== survivor);
    await Promise.all(members.map((m) => m.kill()));

    const quorum = await chronik(['recover', 'plan', survivor.dataDir, lost[0]!.dataDir]);
    expect(quorum.code).toBe(1);
    expect(quorum.stderr.split('\n')[0]).toMatch(/^Error: nothing to recover: members r\d, r\d are 2 of the 3 voters, a quorum$/);

    lost.forEach((m) => rmSync(m.dataDir, { recursive: true, force: true }));
    const planned = await chronik(['recover', 'plan', survivor.dataDir, '--json']);
    expect(planned.code, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as RecoveryPlan;
    expect(plan).toMatchObject({ kind: 'etcd', cluster: live.clusterId, quorum: 2, best: { name: survivor.name } });
    expect(plan.steps.map((s) => [s.name, s.role, s.survived]).sort()).toEqual([[survivor.name, 'keep', true], ...lost.map((m) => [m.name, 'rejoin', false])].sort());
    expect(plan.steps[0]!.role).toBe('keep');

    // The kept member: its own state restored as a one-member cluster, then started.
    const [restore, start] = plan.steps[0]!.commands as [string, string];
    expect(restore).toMatch(/^etcdctl snapshot restore \S+\/member\/snap\/db --skip-hash-check /);
    await runPrinted(restore);
    startPrinted(start);
    const alone = await statusUntil(survivor.endpoint, (r) => r.healthy && r.voters.length === 1);
    expect(alone).toMatchObject({ healthy: true, leader: alone.voters[0] });
    expect(alone.clusterId).not.toBe(live.clusterId);

    // The lost members, one at a time: member add on the kept member, then etcd on an empty data dir.
    for (const [i, step] of plan.steps.slice(1).entries()) {
      await runPrinted(step.commands[0]!);
      startPrinted(step.commands.at(-1)!);
      await statusUntil(survivor.endpoint, (r) => r.voters.length === i + 2 && r.problems.length === 0);
    }
    const back = await statusUntil(endpoints, (r) => r.voters.length === 3 && r.problems.length === 0);
    expect(back).toMatchObject({ kind: 'etcd', clusterId: alone.clusterId, healthy: true, problems: [] });
    const deadline = Date.now() + 10_000;
    let values: (string | undefined)[] = [];
    while (Date.now() < deadline) {
      values = await Promise.all(members.map((m) => read(m.endpoint, keys[19]!)));
      if (values.every((v) => v === `value of ${keys[19]}`)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(values).toEqual(members.map(() => `value of ${keys[19]}`));
    // Every member holds every acknowledged write, not only the last one.
    for (const member of members) expect(await Promise.all(keys.map((k) => read(member.endpoint, k)))).toEqual(keys.map((k) => `value of ${k}`));
  }, 120_000);
});
