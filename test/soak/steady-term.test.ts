// Soak: a healthy 3-node cluster with default timing (100 ms ticks, election timeout 10 ticks) under
// steady client load must never change term: no reset, slow fsync or busy event loop may pass for a
// dead leader. CHRONIK_SOAK_DURATION (e.g. 2m, 600s; default 10m) sets how long; `npm run test:soak`.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseDuration } from '../../src/shared/duration.js';
import { TestCluster, type TestNode } from '../e2e/cluster.js';
import { agreedLeader, http, status } from '../e2e/node-harness.js';

const DURATION_MS = parseDuration(process.env.CHRONIK_SOAK_DURATION ?? '10m', 'CHRONIK_SOAK_DURATION');
const CLIENTS = 8;
const DEFAULT_TIMING = ['--tick', '100ms', '--election-ticks', '10', '--heartbeat-ticks', '3'];

const cluster = new TestCluster();
afterAll(async () => {
  await cluster.remove();
});

/** Closed-loop writers spread over every member (followers forward), until `until`; counts acknowledged writes. */
async function load(nodes: TestNode[], until: number): Promise<{ ok: number; failed: string[] }> {
  const result = { ok: 0, failed: [] as string[] };
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      const node = nodes[client % nodes.length] as TestNode;
      for (let i = 0; performance.now() < until; i++) {
        const answer = await http(node.endpoint, 'POST', '/v1/propose', { key: `soak-${client}-${i % 100}`, value: 'x'.repeat(256) }).catch((err: Error) => ({ status: 0, text: err.message }));
        if (answer.status === 200) result.ok++;
        else if (result.failed.length < 20) result.failed.push(`${node.endpoint}: ${answer.status} ${answer.text}`);
      }
    }),
  );
  return result;
}

describe('soak', () => {
  it(`a healthy 3-node cluster under steady load changes term zero times (${Math.round(DURATION_MS / 1000)} s)`, { timeout: DURATION_MS + 120_000 }, async () => {
    const nodes = await cluster.startVoters(3, DEFAULT_TIMING);
    const start = await agreedLeader(nodes.map((node) => node.endpoint));
    // The first election is history: only what each log says from here on counts.
    const logFrom = nodes.map((node) => readFileSync(node.logFile, 'utf8').length);
    const terms = new Set<number>();
    const until = performance.now() + DURATION_MS;
    const writers = load(nodes, until);
    while (performance.now() < until) {
      for (const node of nodes) {
        const view = await status(node.endpoint).catch(() => undefined);
        if (view !== undefined) terms.add(view.term);
      }
      await new Promise((done) => setTimeout(done, 1000));
    }
    const { ok, failed } = await writers;
    const end = await agreedLeader(nodes.map((node) => node.endpoint));
    const elections = nodes.flatMap((node, i) =>
      readFileSync(node.logFile, 'utf8')
        .slice(logFrom[i])
        .split('\n')
        .filter((line) => /became (pre-)?candidate|leader connection lost/.test(line)),
    );
    console.log(`soak: ${ok} writes acknowledged in ${Math.round(DURATION_MS / 1000)} s, term ${start.term} -> ${end.term}, leader ${start.leader} -> ${end.leader}`);
    expect(elections).toEqual([]);
    expect([...terms]).toEqual([start.term]);
    expect(end).toEqual(start);
    expect(failed).toEqual([]);
    expect(ok).toBeGreaterThan(DURATION_MS / 100);
  });
});
