// `chronik status` against Consul, Nomad, Vault and rqlite answers recorded from their API references
// (test/fixtures/attach/README.md says where each comes from), replayed by a loopback HTTP server: these
// products cannot run here, so this checks the adapters read the real shapes and reach the right verdict.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import { listenInRange } from '../support/ports.js';
import { chronik } from './cli.js';

interface Recording {
  nodes: Record<string, Record<string, { status: number; body?: unknown; text?: string }>>;
}

const servers: Server[] = [];
/** What each replay server was asked, so tests can check the token header. */
const seen: { path: string; headers: Record<string, unknown> }[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  seen.length = 0;
});

/** Starts one replay server per recorded node; "{{name}}" in a recording becomes that node's address. */
async function replay(file: string): Promise<Record<string, string>> {
  const recording = JSON.parse(readFileSync(new URL(`../fixtures/attach/${file}`, import.meta.url), 'utf8')) as Recording;
  const names = Object.keys(recording.nodes);
  const listening = await Promise.all(
    names.map(async (name) => {
      const server = createServer((req, res) => {
        seen.push({ path: req.url ?? '', headers: req.headers });
        const answer = recording.nodes[name]?.[`${req.method} ${req.url}`];
        if (!answer) {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n');
          return;
        }
        const body = answer.text ?? JSON.stringify(answer.body).replace(/\{\{(\w+)\}\}/g, (_, n: string) => addresses[n] ?? '');
        res.writeHead(answer.status, { 'content-type': answer.text === undefined ? 'application/json' : 'text/plain' }).end(body);
      });
      servers.push(server);
      return [name, `127.0.0.1:${await listenInRange(server, 'client')}`] as const;
    }),
  );
  const addresses: Record<string, string> = Object.fromEntries(listening);
  return addresses;
}

async function status(endpoints: string, ...extra: string[]): Promise<{ code: number | null; report: ClusterReport; stdout: string; stderr: string }> {
  const result = await chronik(['status', '--endpoints', endpoints, '--json', ...extra], { env: { CONSUL_HTTP_TOKEN: 'consul-secret', VAULT_TOKEN: 'vault-secret' } });
  return { code: result.code, report: JSON.parse(result.stdout || '{}') as ClusterReport, stdout: result.stdout, stderr: result.stderr };
}

describe('status from recorded answers of products that cannot run here', () => {
  it('Consul: recognised from agent/self, healthy from the autopilot report, token from CONSUL_HTTP_TOKEN', async () => {
    const { alice } = await replay('consul-healthy.json');
    const { code, report, stderr } = await status(alice!);
    expect(code, stderr).toBe(0);
    expect(report).toMatchObject({ kind: 'consul', healthy: true, leader: 'e349749b-3303-3ddf-959c-b5885a0e1f6e', term: 2, problems: [] });
    expect(report.nodes.map((n) => n.name).sort()).toEqual(['alice', 'bob', 'carol']);
    expect(seen.find((r) => r.path === '/v1/operator/autopilot/health')?.headers['x-consul-token']).toBe('consul-secret');
  }, 30_000);

  it('Consul: a failed server is named, and --strict makes it unhealthy', async () => {
    const { alice } = await replay('consul-one-failed.json');
    const { code, report } = await status(alice!, '--kind', 'consul');
    expect(code).toBe(0);
    expect(report.problems).toEqual([{ code: 'VOTER_UNREACHABLE', message: 'voter b2a7a7a8-2f2c-4d05-8a4e-6c1e1b0a2d4c (carol) at 127.0.0.3:8300 is unreachable: the leader reports it failed' }]);
    expect((await status(alice!, '--kind', 'consul', '--strict')).code).toBe(3);
  }, 30_000);

  it('Consul without a leader: the stale configuration gives the voters, exit 3 with NO_LEADER and QUORUM_LOST', async () => {
    const { alice } = await replay('consul-no-leader.json');
    const { code, report } = await status(alice!);
    expect(code).toBe(3);
    expect(report).toMatchObject({ kind: 'consul', healthy: false, leader: null, voters: ['127.0.0.1:8300', '127.0.0.2:8300', '127.0.0.3:8300'] });
    expect(report.problems.slice(0, 2).map((p) => p.code)).toEqual(['NO_LEADER', 'QUORUM_LOST']);
    expect(report.nodes.find((n) => n.name === 'alice')).toMatchObject({ reachable: true, role: 'candidate' });
  }, 30_000);

  it('Nomad: recognised from its lower-case agent/self, healthy', async () => {
    const { node1 } = await replay('nomad-healthy.json');
    const { code, report } = await status(node1!);
    expect(code).toBe(0);
    expect(report).toMatchObject({ kind: 'nomad', healthy: true, leader: 'e349749b-3303-3ddf-959c-b5885a0e1f6e', problems: [] });
    expect(report.voters).toHaveLength(3);
  }, 30_000);

  it('Vault: recognised from sys/health, the cluster ID from it, token from VAULT_TOKEN', async () => {
    const { vault_1: endpoint } = await replay('vault-healthy.json');
    const { code, report } = await status(endpoint!);
    expect(code).toBe(0);
    expect(report).toMatchObject({ kind: 'vault', clusterId: '00af5aa8-c87d-b5fc-e82e-97cd8dfaf731', healthy: true, leader: 'vault_1', voters: ['vault_1', 'vault_2', 'vault_3'], problems: [] });
    expect(seen.find((r) => r.path === '/v1/sys/storage/raft/autopilot/state')?.headers['x-vault-token']).toBe('vault-secret');
  }, 30_000);

  it("Vault 1.10's CamelCase answer: a voter 159 entries behind is VOTER_LAGGING", async () => {
    const { raft1 } = await replay('vault-1.10-lagging.json');
    const { code, report } = await status(raft1!, '--kind', 'vault');
    expect(code).toBe(0);
    expect(report.problems).toEqual([{ code: 'VOTER_LAGGING', message: "voter raft3 is 159 entries behind the leader's commit index 459" }]);
    expect((await status(raft1!, '--kind', 'vault', '--strict')).code).toBe(3);
  }, 30_000);

  it('rqlite: each node reports itself, the others are found through /nodes, a missing one is named', async () => {
    const addresses = await replay('rqlite-one-unreachable.json');
    const { code, report } = await status(addresses['2']!);
    expect(code).toBe(0);
    expect(report).toMatchObject({ kind: 'rqlite', healthy: true, leader: '1', term: 2, voters: ['1', '2', '3'] });
    expect(report.nodes.filter((n) => n.reachable).map((n) => n.endpoint).sort()).toEqual([addresses['1'], addresses['2']].sort());
    expect(report.problems.map((p) => p.code)).toEqual(['VOTER_UNREACHABLE']);
  }, 30_000);
});
