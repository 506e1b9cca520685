// The runbook scripts (docs/runbooks/scripts) run as an operator runs them, against three real nodes
// on loopback: a rolling restart under a steady write load loses no acknowledged write, replace-member
// swaps a voter, collect packs one status per member and a diagnose report, and health-gate and
// rolling-restart fail with their documented codes when a member is down or does not come back. Against a
// TLS node, wait-for-leader, health-gate and collect work from https:// endpoints and CHRONIK_CACERT/CERT/KEY.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdminClient } from '../../src/client/admin-client.js';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import { chronik, operatorEnv, ROOT, runProcess, type CliResult } from './cli.js';
import { listenInRange } from '../support/ports.js';
import { TestCluster, type TestNode } from './cluster.js';
import { makeWire } from './wire.js';

const SCRIPTS = join(ROOT, 'docs/runbooks/scripts');
const cluster = new TestCluster();
let nodes: TestNode[] = [];
let endpoints = '';
/** The restart command's other end: kills a node and starts it again with the same command line. */
let control: Server;
let controlUrl = '';
const restarted: number[] = [];
// The nodes' test-only fault injector (src/node/faults.ts), inert until the file holds a plan: it lets
// one test cut the messages to one follower so that it trails by a few entries.
const faultFile = join(cluster.dir, 'faults.json');
process.env.CHRONIK_FAULT_FILE = faultFile;

async function setFaults(plan: object): Promise<void> {
  const text = JSON.stringify(plan);
  writeFileSync(`${faultFile}.tmp`, text);
  renameSync(`${faultFile}.tmp`, faultFile);
  const deadline = Date.now() + 5000;
  while (readFileSync(`${faultFile}.applied`, { encoding: 'utf8', flag: 'a+' }) !== text && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

/** A steady write load through the admin client, as an application would write; keeps what was acknowledged. */
function startWriter(prefix: string): { stop(): Promise<{ acknowledged: Map<string, string>; failed: number }> } {
  const acknowledged = new Map<string, string>();
  let writing = true;
  let failed = 0;
  const loop = (async () => {
    for (let i = 0; writing; i++) {
      const client = new AdminClient({ endpoints: endpoints.split(','), timeoutMs: 3000 });
      try {
        await client.propose(`${prefix}/${i}`, `value-${i}`);
        acknowledged.set(`${prefix}/${i}`, `value-${i}`);
      } catch {
        failed++;
      } finally {
        await client.close();
      }
      // Steady, not flat out: the scripts' own processes share the two cores with the nodes.
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    async stop() {
      writing = false;
      await loop;
      return { acknowledged, failed };
    },
  };
}

/** Runs a script the way an operator does: by its path, chronik from CHRONIK_BIN, endpoints from env. */
function script(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return runProcess(join(SCRIPTS, name), args, {
    cwd: cluster.dir,
    env: operatorEnv({ CHRONIK_BIN: join(ROOT, 'bin/run.js'), CHRONIK_ENDPOINTS: endpoints, ...env }),
  });
}

/** Unpacks the tarball collect.sh names on its last line into `into`; returns the bundle's top directory. */
async function unpack(collected: CliResult, into: string): Promise<string> {
  mkdirSync(into);
  const tarball = collected.stdout.trimEnd().split('\n').at(-1)!;
  expect(await new Promise<number | null>((resolve) => spawn('tar', ['-xzf', tarball, '-C', into]).on('close', resolve))).toBe(0);
  return join(into, readdirSync(into)[0]!);
}

async function status(...extra: string[]): Promise<ClusterReport> {
  const result = await chronik(['status', '--endpoints', endpoints, '--json', ...extra]);
  return JSON.parse(result.stdout) as ClusterReport;
}

/** The restart command a test passes: asks the control server to act on member {id}. */
function restartCmd(action: 'restart' | 'kill'): string {
  return `node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' ${controlUrl}/${action}/{id}`;
}

beforeAll(async () => {
  nodes = await cluster.startVoters(3);
  endpoints = nodes.map((n) => n.endpoint).join(',');
  control = createServer((req, res) => {
    const [, action, id] = (req.url ?? '').split('/');
    const node = nodes.find((n) => String(n.spec.id) === id);
    if (!node || (action !== 'restart' && action !== 'kill')) {
      res.writeHead(404).end();
      return;
    }
    restarted.push(node.spec.id);
    const done = node.stop('SIGKILL').then(() => (action === 'restart' ? node.start() : undefined));
    done.then(
      () => res.writeHead(200).end(),
      (err: Error) => res.writeHead(500).end(err.message),
    );
  });
  controlUrl = `http://127.0.0.1:${await listenInRange(control, 'client')}`;
}, 60_000);

afterAll(async () => {
  control?.close();
  await cluster.remove();
});

describe('runbook scripts against a three-node cluster', () => {
  it('wait-for-leader and health-gate pass on a healthy cluster; bad arguments exit 2', async () => {
    const leader = await script('wait-for-leader.sh', ['--timeout', '20s']);
    expect(leader.code, leader.stderr).toBe(0);
    expect(leader.stdout).toMatch(/leader \d at term \d+/);
    const gate = await script('health-gate.sh', ['--wait', '20s', '--max-lag', '50']);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    expect(gate.stdout).toMatch(/^health-gate: ok: leader \d at term \d+, voters 1,2,3; largest voter lag \d+ \(limit 50\)\n$/);

    const bad = await Promise.all([
      script('health-gate.sh', ['--max-lag', 'many']),
      script('rolling-restart.sh', ['--members', '1,2']),
      script('rolling-restart.sh', ['--restart-cmd', 'systemctl restart chronik']),
      script('replace-member.sh', ['--old', '3', '--new', '4']),
      script('collect.sh', ['--out', cluster.dir, join(cluster.dir, 'absent.log')]),
      script('wait-for-leader.sh', ['--timeout', 'soon']),
    ]);
    expect(bad.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2]);
    for (const r of bad) expect(r.stderr.trimEnd().split('\n')).toHaveLength(r === bad[5] ? 2 : 1);
  }, 60_000);

  it('health-gate exits 4 while a voter trails the leader by more than --max-lag entries', async () => {
    const leader = (await status()).leader;
    const victim = nodes.find((n) => n.spec.id !== leader)!;
    // Messages to one follower are dropped while 30 writes commit on the other two: it answers, but
    // trails by at least 30 entries (fewer than status's own 100, so --strict alone still passes).
    await setFaults({ drop: [victim.endpoint] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const client = new AdminClient({ endpoints: endpoints.split(','), timeoutMs: 20_000 });
    try {
      await Promise.all(Array.from({ length: 30 }, (_, i) => client.propose(`lagging/${i}`, `value-${i}`)));
      const [tight, loose] = await Promise.all([script('health-gate.sh', ['--max-lag', '10']), script('health-gate.sh', ['--max-lag', '1000'])]);
      expect(tight.code, tight.stdout + tight.stderr).toBe(4);
      expect(tight.stdout).toMatch(new RegExp(`^health-gate: FAIL: voter ${victim.spec.id} is \\d+ entries behind the leader's commit index \\(limit 10\\); leader ${leader} at term \\d+, voters 1,2,3\\n$`));
      expect(loose.code, loose.stdout + loose.stderr).toBe(0);
    } finally {
      await client.close();
      await setFaults({});
    }
    // Back in contact, it catches up and the gate passes again.
    const back = await script('health-gate.sh', ['--max-lag', '100', '--wait', '20s']);
    expect(back.code, back.stdout + back.stderr).toBe(0);
  }, 60_000);

  it('rolling-restart restarts every member under a steady write load and loses no acknowledged write', async () => {
    const before = await status('--strict', '--wait', 'healthy', '--timeout', '20s');
    expect(before.healthy).toBe(true);
    const writer = startWriter('rolling');
    await new Promise((resolve) => setTimeout(resolve, 500));
    const run = await script('rolling-restart.sh', ['--restart-cmd', restartCmd('restart'), '--timeout', '30s']);
    const { acknowledged, failed: failedWrites } = await writer.stop();
    expect(run.code, run.stdout + run.stderr).toBe(0);

    // Each member once, followers first; the last one led until the script moved leadership off it.
    expect([...restarted].sort()).toEqual([1, 2, 3]);
    const moved = /member (\d) leads: moving leadership to (\d)/.exec(run.stdout);
    expect(moved, run.stdout).not.toBeNull();
    expect(restarted.at(-1)).toBe(Number(moved![1]));
    expect(run.stdout.trimEnd().split('\n').at(-1)).toMatch(/^rolling-restart: done: every member restarted; leader \d at term \d+, voters 1,2,3$/);

    const after = await status('--strict');
    expect(after).toMatchObject({ healthy: true, voters: before.voters, learners: [] });
    expect(acknowledged.size).toBeGreaterThan(20);
    const reader = new AdminClient({ endpoints: endpoints.split(','), timeoutMs: 30_000 });
    try {
      for (const [key, value] of acknowledged) expect((await reader.get(key, false)).value, key).toBe(value);
    } finally {
      await reader.close();
    }
    console.log(`rolling restart: ${acknowledged.size} writes acknowledged and read back, ${failedWrites} refused during the restarts`);
  }, 120_000);

  it('replace-member swaps a dead voter for a new node, adding before removing, and ends with the new voter set', async () => {
    // The usual case: member 3 is gone for good (it may have led: the others elect a new leader).
    await nodes[2]!.stop('SIGKILL');
    const [port] = await TestCluster.ports(1);
    const fourth = cluster.node({ id: 4, port: port!, join: true });
    await fourth.start();
    nodes.push(fourth);
    const run = await script('replace-member.sh', ['--old', '3', '--new', `4@${fourth.endpoint}`, '--timeout', '30s']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^replace-member: voters 1 2 3; adding 4@127\.0\.0\.1:\d+, then removing 3\n/);
    expect(run.stdout).toMatch(/replace-member: done: voters 1 2 4; stop the old node 3 now\n$/);
    endpoints = [nodes[0]!, nodes[1]!, fourth].map((n) => n.endpoint).join(',');
    expect(await status('--strict')).toMatchObject({ healthy: true, voters: [1, 2, 4] });

    // Re-running after success changes nothing.
    const again = await script('replace-member.sh', ['--old', '3', '--new', `4@${fourth.endpoint}`]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already done: 4 is a voter and 3 is not/);
  }, 120_000);

  it('collect packs one status and /metrics per member, the logs and a diagnose report into one tarball', async () => {
    const out = join(cluster.dir, 'incident');
    const logs = [nodes[0]!, nodes[1]!, nodes[3]!].map((n) => n.logFile);
    const run = await script('collect.sh', ['--out', out, ...logs]);
    expect(run.code, run.stderr).toBe(0);
    const tarball = run.stdout.trimEnd().split('\n').at(-1)!;
    expect(tarball).toMatch(/\/incident\/chronik-collect-\d{8}T\d{6}Z\.tar\.gz$/);
    expect(readdirSync(out)).toEqual([tarball.split('/').at(-1)]);

    const root = await unpack(run, join(cluster.dir, 'unpacked'));
    expect(readdirSync(join(root, 'members')).sort()).toEqual(['node-1', 'node-2', 'node-4']);
    for (const id of [1, 2, 4]) {
      const own = JSON.parse(readFileSync(join(root, 'members', `node-${id}`, 'status.json'), 'utf8')) as ClusterReport;
      expect(own).toMatchObject({ healthy: true, voters: [1, 2, 4] });
      expect(readFileSync(join(root, 'members', `node-${id}`, 'metrics.txt'), 'utf8')).toMatch(/^# (HELP|TYPE) /m);
    }
    expect(JSON.parse(readFileSync(join(root, 'status.json'), 'utf8'))).toMatchObject({ voters: [1, 2, 4] });
    expect(readdirSync(join(root, 'logs')).sort()).toEqual(['1-node-1.log', '2-node-2.log', '3-node-4.log']);
    const report = JSON.parse(readFileSync(join(root, 'diagnose.json'), 'utf8')) as { files: { dialect: string }[]; findings: unknown[] };
    expect(report.files).toHaveLength(3);
    expect(report.files.every((f) => f.dialect.startsWith('chronik'))).toBe(true);
    expect(Array.isArray(report.findings)).toBe(true);
    expect(readFileSync(join(root, 'manifest.txt'), 'utf8')).not.toMatch(/NOT COLLECTED/);
  }, 60_000);

  it('with a member that does not come back, rolling-restart stops there (exit 1) and health-gate fails (exit 3)', async () => {
    restarted.length = 0;
    const leader = (await status()).leader;
    const follower = [1, 2, 4].find((id) => id !== leader)!;
    const others = [1, 2, 4].filter((id) => id !== follower);
    const run = await script('rolling-restart.sh', ['--restart-cmd', restartCmd('kill'), '--members', [follower, ...others].join(','), '--timeout', '2s']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    // chronik's own line says what it saw last; the script's line says where it stopped.
    expect(run.stderr).toMatch(/^Error: the cluster was not healthy \(--strict\) within 2s; last verdict: .*VOTER_UNREACHABLE\n/);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(`rolling-restart.sh: member ${follower} did not come back and catch up within 2s; stopped, the members after it were not restarted`);
    expect(restarted).toEqual([follower]);

    const gate = await script('health-gate.sh', []);
    expect(gate.code, gate.stdout + gate.stderr).toBe(3);
    expect(gate.stdout).toMatch(/^health-gate: FAIL: unhealthy under --strict: VOTER_UNREACHABLE/);
    // A rolling restart now would lose the quorum: it refuses before touching anything.
    const refused = await script('rolling-restart.sh', ['--restart-cmd', restartCmd('restart'), '--timeout', '1s']);
    expect(refused.code).toBe(3);
    expect(restarted).toEqual([follower]);
    expect((await script('wait-for-leader.sh', ['--timeout', '10s'])).code).toBe(0);
  }, 60_000);

  it('pass a token from --token-file to every chronik command and to /metrics, and never write it down', async () => {
    const [port] = await TestCluster.ports(1);
    const guarded = cluster.node({ id: 9, port: port!, token: 'runbook-secret-token' });
    await guarded.start();
    const tokenFile = join(cluster.dir, 'token');
    writeFileSync(tokenFile, 'runbook-secret-token\n');
    const env = { CHRONIK_ENDPOINTS: '' };

    const gate = await script('health-gate.sh', ['--endpoints', guarded.endpoint, '--token-file', tokenFile, '--wait', '20s'], env);
    expect(gate.code, gate.stdout + gate.stderr).toBe(0);
    const refused = await script('health-gate.sh', ['--endpoints', guarded.endpoint], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unauthorized/);
    expect(refused.stdout).toBe('health-gate: FAIL: could not ask the cluster (see the error on stderr)\n');

    const out = join(cluster.dir, 'guarded');
    const collected = await script('collect.sh', ['--out', out, '--endpoints', guarded.endpoint, '--token-file', tokenFile, guarded.logFile], env);
    expect(collected.code, collected.stderr).toBe(0);
    const root = await unpack(collected, join(cluster.dir, 'guarded-unpacked'));
    expect(readFileSync(join(root, 'members', 'node-9', 'metrics.txt'), 'utf8')).toMatch(/^# (HELP|TYPE) /m);
    expect(readFileSync(join(root, 'manifest.txt'), 'utf8')).not.toMatch(/NOT COLLECTED/);
    const grep = await new Promise<number | null>((resolve) => spawn('grep', ['-rq', 'runbook-secret-token', root]).on('close', resolve));
    expect(grep, 'the token is nowhere in the tarball').toBe(1);
  }, 60_000);
});

describe('runbook scripts against a TLS node', () => {
  it('wait-for-leader, health-gate and collect take https:// endpoints and the TLS environment, and collect asks the members over https', async () => {
    const wire = makeWire('tls', 1);
    const tlsCluster = new TestCluster(wire);
    try {
      const [port] = await TestCluster.ports(1);
      const node = tlsCluster.node({ id: 1, port: port! });
      await node.start();
      const env = { CHRONIK_ENDPOINTS: node.url, ...wire.operatorEnv };
      expect((await script('wait-for-leader.sh', ['--timeout', '20s'], env)).code).toBe(0);
      const gate = await script('health-gate.sh', [], env);
      expect(gate.code, gate.stdout + gate.stderr).toBe(0);

      const out = join(tlsCluster.dir, 'incident');
      const collected = await script('collect.sh', ['--out', out], env);
      expect(collected.code, collected.stderr).toBe(0);
      const root = await unpack(collected, join(tlsCluster.dir, 'unpacked'));
      expect(readFileSync(join(root, 'manifest.txt'), 'utf8')).not.toMatch(/NOT COLLECTED/);
      expect(JSON.parse(readFileSync(join(root, 'members', 'node-1', 'status.json'), 'utf8'))).toMatchObject({ healthy: true, voters: [1] });
      expect(readFileSync(join(root, 'members', 'node-1', 'metrics.txt'), 'utf8')).toMatch(/^# (HELP|TYPE) /m);
    } finally {
      await tlsCluster.remove();
      await wire.close();
    }
  }, 60_000);
});
