// Three real nodes started with --peers: one leader; kill -9 of the leader gives a new one without losing
// an acknowledged write; the killed node restarted with its command line catches up; a --join node waits
// without campaigning until it is added, then catches up.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapArgs, killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status } from './node-harness.js';

const root = tempDir('cluster');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

describe('chronik bootstrap, three nodes', { timeout: 90_000 }, () => {
  const ids = [1, 2, 3];
  const addrs = new Map<number, string>();
  const argsOf = new Map<number, string[]>();
  const nodes = new Map<number, NodeProcess>();
  const acknowledged = new Map<string, string>();

  it('elects exactly one leader', async () => {
    for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort('e2e')}`);
    for (const id of ids) {
      const peers = ids.filter((other) => other !== id).map((other) => ({ id: other, addr: addrs.get(other) as string }));
      const args = bootstrapArgs({ id, addr: addrs.get(id) as string, peers, dataDir: join(root, `node-${id}`) });
      argsOf.set(id, args);
      nodes.set(id, spawnChronik(args));
    }
    const { leader } = await agreedLeader([...addrs.values()]);
    const views = await Promise.all([...addrs.values()].map((addr) => status(addr)));
    expect(views.filter((view) => view.role === 'leader').map((view) => view.id)).toEqual([leader]);
    for (const view of views) expect(view.voters).toEqual([1, 2, 3]);
    for (const id of ids) expect(nodes.get(id)?.stderr).toMatch(/bootstrapped membership .*voters=\[1,2,3\]/);
  });

  it('commits writes sent to the leader and to followers', async () => {
    for (let i = 0; i < 20; i++) {
      const addr = addrs.get(ids[i % 3] as number) as string; // followers forward to the leader
      const answer = await http(addr, 'POST', '/v1/propose', { key: `k${i}`, value: `v${i}` });
      expect(answer.status, answer.text).toBe(200);
      acknowledged.set(`k${i}`, `v${i}`);
    }
    const { leader } = await agreedLeader([...addrs.values()]);
    expect((await http(addrs.get(leader) as string, 'GET', '/v1/kv/k19')).body.value).toBe('v19');
  });

  it('elects a new leader after kill -9 of the leader and loses no acknowledged write', async () => {
    const { leader: old, term } = await agreedLeader([...addrs.values()]);
    // Writers keep proposing through every node while the leader dies; whatever was acknowledged must survive.
    let writing = true;
    let sequence = 0;
    const writer = async (addr: string): Promise<void> => {
      while (writing) {
        const key = `live${sequence++}`;
        const answer = await http(addr, 'POST', '/v1/propose?timeout=2s', { key, value: key }).catch(() => undefined);
        if (answer?.status === 200) acknowledged.set(key, key);
        else await new Promise((done) => setTimeout(done, 20));
      }
    };
    const writers = [...addrs.values()].map((addr) => writer(addr));
    await new Promise((done) => setTimeout(done, 300));
    nodes.get(old)?.proc.kill('SIGKILL');
    await nodes.get(old)?.exit;
    const survivors = ids.filter((id) => id !== old).map((id) => addrs.get(id) as string);
    const next = await agreedLeader(survivors, 30_000, old);
    expect(next.leader).not.toBe(old);
    expect(next.term).toBeGreaterThan(term);
    await new Promise((done) => setTimeout(done, 300));
    writing = false;
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThan(20);
    for (let i = 20; i < 25; i++) {
      const answer = await http(survivors[i % 2] as string, 'POST', '/v1/propose', { key: `k${i}`, value: `v${i}` });
      expect(answer.status, answer.text).toBe(200);
      acknowledged.set(`k${i}`, `v${i}`);
    }
    for (const [key, value] of acknowledged) {
      const answer = await http(survivors[0] as string, 'GET', `/v1/kv/${key}`);
      expect(answer.body.value, key).toBe(value);
    }
    const restarted = spawnChronik(argsOf.get(old) as string[]);
    nodes.set(old, restarted);
    const oldAddr = addrs.get(old) as string;
    const leaderView = await status(addrs.get(next.leader) as string);
    await eventually(async () => {
      const view = await status(oldAddr);
      return view.appliedIndex >= leaderView.commitIndex && view.leader === next.leader ? view : undefined;
    }, 30_000, 'the restarted node to catch up');
    expect(restarted.stderr).toMatch(/node starting .*fresh=false/);
    for (const [key, value] of acknowledged) {
      expect((await http(oldAddr, 'GET', `/v1/kv/${key}?stale=true`)).body.value, key).toBe(value);
    }
  });

  it('lets a --join node wait without campaigning, then adds it as learner and promotes it', async () => {
    const addr = `127.0.0.1:${await freePort('e2e')}`;
    const joiner = spawnChronik(['bootstrap', '--node-id', '4', '--listen', addr, '--join', '--data-dir', join(root, 'node-4')]);
    await joiner.waitForLog(/INFO {2}waiting to be added node=4 .*listen=127\.0\.0\.1:\d+/);
    // Well past an election timeout: it must neither campaign nor disturb the cluster.
    await new Promise((done) => setTimeout(done, 2500));
    expect(joiner.stderr).not.toMatch(/starting election|became candidate|became pre-candidate/);
    const joinerView = await status(addr);
    expect(joinerView).toMatchObject({ member: 'none', leader: 0 });
    expect((await http(addr, 'GET', '/health')).status).toBe(503);

    const follower = (await Promise.all(ids.map(async (id) => status(addrs.get(id) as string)))).find((view) => view.role === 'follower');
    const via = addrs.get(follower?.id ?? 1) as string;
    const learner = await http(via, 'POST', '/v1/members', { type: 'add-learner', id: 4, addr });
    expect(learner.status, learner.text).toBe(200);
    expect(learner.body.learners).toEqual([{ id: 4, addr }]);
    const again = await http(via, 'POST', '/v1/members', { type: 'add-learner', id: 4, addr });
    expect(again.status).toBe(200); // idempotent
    expect((await http(via, 'POST', '/v1/members', { type: 'add-learner', id: 4, addr: '127.0.0.1:1' })).body.code).toBe('REJECTED');

    const promoted = await http(via, 'POST', '/v1/members', { type: 'promote', id: 4 });
    expect(promoted.status, promoted.text).toBe(200);
    expect((promoted.body.voters as { id: number }[]).map((m) => m.id)).toEqual([1, 2, 3, 4]);
    const { leader } = await agreedLeader([...addrs.values()]);
    const commit = (await status(addrs.get(leader) as string)).commitIndex;
    const caughtUp = await eventually(async () => {
      const view = await status(addr);
      return view.member === 'voter' && view.appliedIndex >= commit ? view : undefined;
    }, 30_000, 'the joined node to catch up');
    expect(caughtUp.voters).toEqual([1, 2, 3, 4]);
    expect((await http(addr, 'GET', '/v1/kv/k0')).body.value).toBe('v0'); // linearizable read on the new voter
    expect(joiner.stderr).toMatch(/membership applied .*change="promote 4"/);
  });
});
