// The peer transport against a hung peer (a real node frozen with SIGSTOP: connections open, nothing
// answers): the leader keeps committing, logs `peer unreachable` once (rate-limited), and `peer recovered`
// when the node is thawed, which then catches up; a write forwarded to a hung leader is answered TIMEOUT
// (outcome unknown). Also the API's size limits.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapArgs, killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status } from './node-harness.js';

const root = tempDir('transport');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

/** Three nodes bootstrapped as one cluster, data dirs `<prefix>-<id>`. */
async function startThree(prefix: string): Promise<{ ids: number[]; addrs: Map<number, string>; nodes: Map<number, NodeProcess> }> {
  const ids = [1, 2, 3];
  const addrs = new Map<number, string>();
  const nodes = new Map<number, NodeProcess>();
  for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort('e2e')}`);
  for (const id of ids) {
    const peers = ids.filter((other) => other !== id).map((other) => ({ id: other, addr: addrs.get(other) as string }));
    nodes.set(id, spawnChronik(bootstrapArgs({ id, addr: addrs.get(id) as string, peers, dataDir: join(root, `${prefix}-${id}`) })));
  }
  return { ids, addrs, nodes };
}

describe('peer transport', { timeout: 90_000 }, () => {
  it('keeps committing past a hung peer, logs it once, and recovers it', async () => {
    const { ids, addrs, nodes } = await startThree('node');
    const { leader } = await agreedLeader([...addrs.values()]);
    const leaderAddr = addrs.get(leader) as string;
    const frozen = ids.find((id) => id !== leader) as number;
    const frozenNode = nodes.get(frozen) as NodeProcess;
    const leaderNode = nodes.get(leader) as NodeProcess;

    frozenNode.proc.kill('SIGSTOP');
    try {
      for (let i = 0; i < 20; i++) {
        const answer = await http(leaderAddr, 'POST', '/v1/propose', { key: `k${i}`, value: `v${i}` });
        expect(answer.status, answer.text).toBe(200);
      }
      const unreachable = new RegExp(`WARN {2}peer unreachable node=${leader} .*peer=${frozen} addr=${addrs.get(frozen)}`);
      await leaderNode.waitForLog(unreachable);
      const firstSeen = Date.now();
      // More writes while it stays down: still committed, still one line (at most one per 10 s).
      for (let i = 20; i < 40; i++) {
        expect((await http(leaderAddr, 'POST', '/v1/propose', { key: `k${i}`, value: `v${i}` })).status).toBe(200);
      }
      const allowed = 1 + Math.floor((Date.now() - firstSeen) / 10_000);
      expect(leaderNode.stderr.split('\n').filter((line) => unreachable.test(line)).length).toBeLessThanOrEqual(allowed);
    } finally {
      frozenNode.proc.kill('SIGCONT');
    }
    const recovered = await leaderNode.waitForLog(new RegExp(`INFO {2}peer recovered node=${leader} .*peer=${frozen} .*down_for=\\d`));
    expect(recovered).toContain(`addr=${addrs.get(frozen)}`);
    const commit = (await status(leaderAddr)).commitIndex;
    await eventually(async () => ((await status(addrs.get(frozen) as string)).appliedIndex >= commit ? true : undefined), 30_000, 'the thawed node to catch up');
    expect((await http(addrs.get(frozen) as string, 'GET', '/v1/kv/k39')).body.value).toBe('v39');

    const metrics = (await http(leaderAddr, 'GET', '/metrics')).text;
    expect(metrics).toMatch(new RegExp(`chronik_peer_sent_bytes_total\\{peer="${frozen}"\\} [1-9]`));
    expect(metrics).toMatch(/chronik_peer_received_bytes_total\{peer="\d"\} [1-9]/);
  });

  it('answers TIMEOUT, not NO_LEADER, when a write forwarded to a hung leader gets no answer', async () => {
    const { ids, addrs, nodes } = await startThree('forward');
    const { leader } = await agreedLeader([...addrs.values()]);
    const follower = addrs.get(ids.find((id) => id !== leader) as number) as string;
    const leaderNode = nodes.get(leader) as NodeProcess;
    leaderNode.proc.kill('SIGSTOP');
    try {
      // The follower still follows the frozen leader and hands the write to it over the peer stream; the
      // leader may get it once thawed, so the honest answer is "outcome unknown", which a client must not
      // retry blindly.
      const answer = await http(follower, 'POST', '/v1/propose?timeout=300ms', { key: 'forwarded', value: 'maybe' });
      expect(answer.status, answer.text).toBe(504);
      expect(answer.body).toMatchObject({ code: 'TIMEOUT', error: expect.stringMatching(/handed to the leader was not applied within 300 ms; it may still commit/) as unknown });
    } finally {
      leaderNode.proc.kill('SIGCONT');
    }
    await agreedLeader([...addrs.values()]);
  });

  it('refuses messages from another cluster and says so in both logs (nodes started from --config)', async () => {
    const addrs = [`127.0.0.1:${await freePort('e2e')}`, `127.0.0.1:${await freePort('e2e')}`];
    const configFor = (cluster: string): string => {
      const file = join(root, `${cluster}.yaml`);
      writeFileSync(file, [`cluster: ${cluster}`, 'nodes:', `  - { id: 1, addr: ${addrs[0]} }`, `  - { id: 2, addr: ${addrs[1]} }`].join('\n'));
      return file;
    };
    const one = spawnChronik(['bootstrap', '--config', configFor('alpha'), '--node-id', '1', '--data-dir', join(root, 'alpha-1')]);
    const two = spawnChronik(['bootstrap', '--config', configFor('beta'), '--node-id', '2', '--data-dir', join(root, 'beta-2')]);
    const refused = await one.waitForLog(/ERROR cluster ID mismatch node=1 /);
    expect(refused).toMatch(new RegExp(`peer=2 addr=${addrs[1]} cluster_id=[0-9a-f]{16} expected=[0-9a-f]{16}`));
    await two.waitForLog(/WARN {2}peer unreachable node=2 .*peer=1 .*error="HTTP 409: cluster ID mismatch/);
    expect(one.stderr).toMatch(/node starting node=1 .*listen=127\.0\.0\.1:\d+ .*voters=\[1,2\]/);
    expect((await http(addrs[0] as string, 'GET', '/health')).status).toBe(503);
    expect(one.stderr + two.stderr).not.toMatch(/became leader/);
  });

  it('answers 413 to a value over 1 MiB and a body over 2 MiB', async () => {
    const addr = `127.0.0.1:${await freePort('e2e')}`;
    const node = spawnChronik(['bootstrap', '--listen', addr, '--data-dir', join(root, 'single')]);
    await node.waitForLog(/became leader/);
    // The log line comes from the core; the leader the API names, from the Ready the node has handled.
    await eventually(async () => ((await http(addr, 'GET', '/v1/status')).body.role === 'leader' ? true : undefined), 10_000, 'status to say leader');
    const big = await http(addr, 'POST', '/v1/propose', { key: 'big', value: 'x'.repeat(1024 * 1024 + 1) });
    expect(big.status).toBe(413);
    expect(big.body).toMatchObject({ code: 'TOO_LARGE', leader: 1, voters: [1] });
    const huge = await http(addr, 'POST', '/v1/propose', { key: 'huge', value: 'x'.repeat(3 * 1024 * 1024) });
    expect(huge.status).toBe(413);
    const fits = await http(addr, 'POST', '/v1/propose', { key: 'fits', value: 'x'.repeat(1024 * 1024) });
    expect(fits.status).toBe(200);
    expect(((await http(addr, 'GET', '/v1/kv/fits')).body.value as string).length).toBe(1024 * 1024);
  });
});
