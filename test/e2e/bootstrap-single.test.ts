// One real `chronik bootstrap` process: it elects itself, commits, serves reads, metrics and health, guards
// everything but /health with the token, stops cleanly on SIGTERM, and resumes its data after a restart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, removeDir, spawnChronik, tempDir } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { eventually, http, status } from './node-harness.js';

const TOKEN = 's3cret-token';
const root = tempDir('single');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

describe('chronik bootstrap, single node', { timeout: 90_000 }, () => {
  it('elects itself, commits, guards the API with the token, stops on SIGTERM and resumes', async () => {
    const addr = `127.0.0.1:${await freePort('e2e')}`;
    const dataDir = join(root, 'node-1');
    const args = ['bootstrap', '--listen', addr, '--data-dir', dataDir];
    const env = { CHRONIK_TOKEN: TOKEN };
    const node = spawnChronik(args, env);

    await node.waitForLog(/INFO {2}became leader node=1 term=\d+/);
    expect(node.stderr).toMatch(/INFO {2}node starting node=1 .*fresh=true/);
    expect(node.stderr).toMatch(/INFO {2}bootstrapped membership node=1 .*voters=\[1\] members=1@127\.0\.0\.1:\d+/);

    // Without the token: 401 and nothing else; /health stays open.
    const denied = await http(addr, 'GET', '/v1/status');
    expect(denied.status).toBe(401);
    expect(denied.body).toEqual({ error: 'unauthorized', code: 'UNAUTHORIZED' });
    expect((await http(addr, 'POST', '/v1/propose', { key: 'k', value: 'v' }, 'wrong')).status).toBe(401);
    expect((await http(addr, 'GET', '/metrics')).status).toBe(401);
    const health = await eventually(async () => {
      const answer = await http(addr, 'GET', '/health');
      return answer.status === 200 ? answer : undefined;
    });
    expect(health.body).toMatchObject({ health: 'ok', leader: 1 });

    const put = await http(addr, 'POST', '/v1/propose', { key: 'cluster/name', value: 'prod ✓' }, TOKEN);
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'cluster/name', leader: 1 });
    const index = put.body.index as number;
    const got = await http(addr, 'GET', `/v1/kv/${encodeURIComponent('cluster/name')}`, undefined, TOKEN);
    expect(got.body).toEqual({ key: 'cluster/name', value: 'prod ✓', index: expect.any(Number) });
    expect(got.body.index as number).toBeGreaterThanOrEqual(index);
    expect((await http(addr, 'GET', '/v1/kv/missing', undefined, TOKEN)).status).toBe(404);
    expect((await http(addr, 'POST', '/v1/propose', { key: '' }, TOKEN)).body).toMatchObject({ code: 'BAD_REQUEST' });

    expect(await status(addr, TOKEN)).toMatchObject({ id: 1, role: 'leader', member: 'voter', leader: 1, voters: [1], learners: [] });
    const metrics = await http(addr, 'GET', '/metrics', undefined, TOKEN);
    for (const name of ['chronik_has_leader 1', 'chronik_is_leader 1', 'chronik_term', 'chronik_leader_changes_seen_total', 'chronik_applied_index', 'chronik_proposals_committed_total 1', 'chronik_wal_fsync_duration_seconds_bucket']) {
      expect(metrics.text).toContain(name);
    }

    node.proc.kill('SIGTERM');
    expect(await node.exit).toBe(0);
    expect(node.stderr).toMatch(/INFO {2}stopping node=1 term=\d+ signal=SIGTERM/);

    expect(node.stdout).toBe('');

    // The same command line resumes from disk with the value intact; --json says so on stdout, once.
    const again = spawnChronik([...args, '--json'], env);
    await again.waitForLog(/became leader/);
    expect(again.stderr).toMatch(/node starting .*fresh=false/);
    const after = await eventually(async () => {
      const answer = await http(addr, 'GET', `/v1/kv/${encodeURIComponent('cluster/name')}`, undefined, TOKEN);
      return answer.status === 200 ? answer : undefined;
    });
    expect(after.body.value).toBe('prod ✓');
    again.proc.kill('SIGINT');
    expect(await again.exit).toBe(0);
    expect(again.stdout.trim().split('\n')).toHaveLength(1);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: 1, addr, member: 'voter', voters: [1], learners: [] });

    // Other voter ids on an existing data dir name another cluster: refused, and nothing on disk changes.
    const other = `127.0.0.1:${await freePort('e2e')}`;
    const foreign = spawnChronik([...args, '--peers', `2@${other}`], env);
    expect(await foreign.exit).toBe(1);
    expect(foreign.stderr).toMatch(/Error: data dir .* belongs to another cluster: its voters are \[1\], but --peers names voters \[1,2\]/);
    expect(foreign.stderr).toMatch(/fresh --data-dir/);

    // The same node at another address is a host that moved, not another cluster: it resumes.
    const moved = spawnChronik(['bootstrap', '--listen', `127.0.0.1:${await freePort('e2e')}`, '--data-dir', dataDir], env);
    await moved.waitForLog(/became leader/);
    moved.proc.kill('SIGTERM');
    expect(await moved.exit).toBe(0);
  });

  it('keeps every acknowledged write across kill -9 and a restart with the same command line', async () => {
    const addr = `127.0.0.1:${await freePort('e2e')}`;
    const args = ['bootstrap', '--listen', addr, '--data-dir', join(root, 'crash-node')];
    const node = spawnChronik(args);
    await node.waitForLog(/became leader/);
    const acknowledged: string[] = [];
    let writing = true;
    let sequence = 0;
    const writer = async (): Promise<void> => {
      while (writing) {
        const key = `w${sequence++}`;
        const answer = await http(addr, 'POST', '/v1/propose', { key, value: key }).catch(() => undefined);
        if (answer?.status === 200) acknowledged.push(key);
      }
    };
    const writers = Array.from({ length: 8 }, () => writer());
    await eventually(async () => (acknowledged.length >= 50 ? true : undefined));
    node.proc.kill('SIGKILL');
    await node.exit;
    writing = false;
    await Promise.all(writers);

    const again = spawnChronik(args);
    await again.waitForLog(/became leader/);
    for (const key of acknowledged) {
      const answer = await http(addr, 'GET', `/v1/kv/${key}`);
      expect(answer.body.value, key).toBe(key);
    }
    again.proc.kill('SIGTERM');
    expect(await again.exit).toBe(0);
  });

  it('writes JSON log lines to --log-file', async () => {
    const addr = `127.0.0.1:${await freePort('e2e')}`;
    const logFile = join(root, 'node.log');
    const node = spawnChronik(['bootstrap', '--listen', addr, '--data-dir', join(root, 'json-node'), '--log-format', 'json', '--log-file', logFile]);
    await eventually(async () => ((await http(addr, 'GET', '/health')).status === 200 ? true : undefined));
    node.proc.kill('SIGTERM');
    expect(await node.exit).toBe(0);
    const lines = readFileSync(logFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((line) => line.msg === 'became leader')).toMatchObject({ level: 'info', node: 1, term: expect.any(Number) });
    expect(lines.find((line) => line.msg === 'node starting')).toMatchObject({ voters: [1], fresh: true });
    expect(lines.at(-1)).toMatchObject({ msg: 'stopping', signal: 'SIGTERM' });
  });
});
