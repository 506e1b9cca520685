// The whole node in process: startNode over a real temp data dir and a loopback port, driven through its
// HTTP API, stopped and restarted; a fault plan handed in through its configuration fails the WAL.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StaticFaults, type FaultPlan } from '../../src/node/faults.js';
import { resolveNodeConfig, type BootstrapFlags, type NodeConfig } from '../../src/node/node-config.js';
import { startNode, type RunningNode } from '../../src/node/runtime.js';
import { freePort } from '../support/ports.js';

/** A fault plan the test changes while the node runs. */
class SwitchableFaults extends StaticFaults {
  set(plan: FaultPlan): void {
    this.plan = plan;
  }
}

const dirs: string[] = [];
const running: RunningNode[] = [];
afterEach(async () => {
  for (const node of running.splice(0)) await node.stop('test-end');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function singleNodeConfig(): Promise<NodeConfig> {
  const dir = mkdtempSync(join(tmpdir(), 'chronik-runtime-'));
  dirs.push(dir);
  const port = await freePort('e2e');
  return resolveNodeConfig(flagsOf({ listen: `127.0.0.1:${port}`, dataDir: join(dir, 'data'), logFile: join(dir, 'node.log') }), {});
}

/** The bootstrap flags of a node listening and keeping its data and log where `where` says. */
function flagsOf(where: { listen: string; dataDir: string; logFile?: string }): BootstrapFlags {
  return { listen: where.listen, join: false, 'data-dir': where.dataDir, 'log-format': 'json', 'log-file': where.logFile ?? `${where.dataDir}.log`, tick: '20ms', insecure: false };
}

async function api(config: NodeConfig, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`http://${config.listen}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function untilLeader(config: NodeConfig): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { status } = await api(config, '/health');
    if (status === 200) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the node never became healthy');
}

/** A clock that never ticks: whatever the node does, it does without an election timeout elapsing. */
const noTicks = { setInterval: () => setTimeout(() => undefined, 0), clearInterval: (timer: NodeJS.Timeout) => clearTimeout(timer) };

describe('the node runtime, in process', () => {
  it('a lone voter elects itself at start, without waiting out an election timeout', async () => {
    const config = await singleNodeConfig();
    const node = await startNode(config, noTicks);
    running.push(node);
    await untilLeader(config);
    expect(node.status()).toMatchObject({ role: 'leader', leader: 1 });
    expect((await api(config, '/v1/propose', { key: 'k', value: 'v' })).status).toBe(200);
  });

  it('a member of a larger voter set waits for its election timeout as before', async () => {
    const config = await singleNodeConfig();
    const peer = await freePort('e2e');
    const node = await startNode(resolveNodeConfig({ ...flagsOf(config), peers: `2@127.0.0.1:${peer}` }, {}), noTicks);
    running.push(node);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(node.status()).toMatchObject({ role: 'follower', leader: 0, term: 1 });
  });

  it('elects itself, commits a write, and has it after a stop and a restart on the same data dir', async () => {
    const config = await singleNodeConfig();
    const node = await startNode(config);
    running.push(node);
    await untilLeader(config);
    const written = await api(config, '/v1/propose', { key: 'color', value: 'blue' });
    expect(written.status).toBe(200);
    expect(written.json).toMatchObject({ key: 'color', leader: 1 });
    await node.stop('SIGTERM');
    running.pop();

    const again = await startNode(config);
    running.push(again);
    await untilLeader(config);
    const read = await api(config, '/v1/kv/color');
    expect(read.json).toMatchObject({ key: 'color', value: 'blue' });
    expect(again.status()).toMatchObject({ id: 1 });
  });

  it('a WAL write failing with ENOSPC (fault plan in its configuration) stops the node, acknowledging nothing', async () => {
    const faults = new SwitchableFaults();
    const config = { ...(await singleNodeConfig()), faults };
    let fatal = 0;
    const node = await startNode(config, { onFatal: () => (fatal += 1) });
    running.push(node);
    await untilLeader(config);
    expect((await api(config, '/v1/propose', { key: 'a', value: '1' })).status).toBe(200);
    faults.set({ walWrite: 'ENOSPC' });
    const refused = await api(config, '/v1/propose', { key: 'b', value: '2' });
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ code: 'UNAVAILABLE', error: expect.stringMatching(/^storage failed: ENOSPC/) });
    for (let i = 0; i < 100 && fatal === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fatal).toBe(1);
    running.pop();
    const log = readFileSync(join(config.dataDir, '..', 'node.log'), 'utf8');
    expect(log).toMatch(/"msg":"storage failed"/);
  });
});
