// Writes sent to any member of a real 3-node cluster: a follower hands each to the leader inside Raft
// and answers its client when it applies the entry carrying that write's request id. Concurrent writes
// through both followers and the leader are each acknowledged with their own entry (no two answers name
// the same index; every value reads back by key), and a follower that knows no leader answers NO_LEADER
// at once.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bootstrapArgs, killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { agreedLeader, eventually, http, status } from './node-harness.js';

const root = tempDir('follower-writes');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

describe('writes through followers', { timeout: 90_000 }, () => {
  const ids = [1, 2, 3];
  const addrs = new Map<number, string>();
  const nodes = new Map<number, NodeProcess>();

  it('acknowledges concurrent writes through every member, each with its own entry', async () => {
    for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort('e2e')}`);
    for (const id of ids) {
      const peers = ids.filter((other) => other !== id).map((other) => ({ id: other, addr: addrs.get(other) as string }));
      nodes.set(id, spawnChronik(bootstrapArgs({ id, addr: addrs.get(id) as string, peers, dataDir: join(root, `node-${id}`) })));
    }
    const { leader } = await agreedLeader([...addrs.values()]);
    // Four clients per member, ten writes each, every key written once.
    const answered = new Map<string, { value: string; index: number; via: number; leader: number }>();
    const client = async (via: number, c: number): Promise<void> => {
      for (let i = 0; i < 10; i++) {
        const key = `n${via}-c${c}-${i}`;
        const value = `${key}:${Math.random().toString(36).slice(2)}`;
        const answer = await http(addrs.get(via) as string, 'POST', '/v1/propose?timeout=10s', { key, value });
        expect(answer.status, answer.text).toBe(200);
        expect(answer.body.key).toBe(key);
        answered.set(key, { value, index: answer.body.index as number, via, leader: answer.body.leader as number });
      }
    };
    await Promise.all(ids.flatMap((via) => [0, 1, 2, 3].map((c) => client(via, c))));
    expect(answered.size).toBe(120);
    expect(new Set([...answered.values()].map((a) => a.index)).size).toBe(120);
    for (const a of answered.values()) expect(a.leader).toBe(leader);
    // Read back through every member (linearizable): each key holds its client's value, served at or after
    // the index its answer named.
    for (const [key, a] of answered) {
      for (const addr of addrs.values()) {
        const read = await http(addr, 'GET', `/v1/kv/${encodeURIComponent(key)}`);
        expect(read.status, read.text).toBe(200);
        expect(read.body, key).toMatchObject({ key, value: a.value });
        expect(read.body.index as number, key).toBeGreaterThanOrEqual(a.index);
      }
    }
  });

  it('a follower that knows no leader answers NO_LEADER at once', async () => {
    const { leader } = await agreedLeader([...addrs.values()]);
    const survivor = ids.find((id) => id !== leader) as number;
    for (const id of ids.filter((other) => other !== survivor)) {
      nodes.get(id)?.proc.kill('SIGKILL');
      await nodes.get(id)?.exit;
    }
    const addr = addrs.get(survivor) as string;
    await eventually(async () => ((await status(addr)).leader === 0 ? true : undefined), 30_000, 'the survivor to lose its leader');
    const started = Date.now();
    const answer = await http(addr, 'POST', '/v1/propose?timeout=5s', { key: 'orphan', value: 'x' });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(answer.status, answer.text).toBe(503);
    expect(answer.body).toMatchObject({ code: 'NO_LEADER' });
  });
});
