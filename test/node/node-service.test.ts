// The service behind the HTTP API, in process: three nodes, each a RaftNode under the runtime's Ready
// driver and KV state machine, wired by an in-memory network that the test can cut. No process, no port.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStorage, RaftNode, bootstrapEntries, bootstrapHardState, type Membership, type Message } from '../../src/raft/index.js';
import { ApiError } from '../../src/node/api-error.js';
import { encodeBatch } from '../../src/node/codec.js';
import { KvStateMachine } from '../../src/node/kv-machine.js';
import { Logger } from '../../src/node/logger.js';
import { createNodeMetrics } from '../../src/node/metrics.js';
import type { NodeConfig } from '../../src/node/node-config.js';
import { nodeClusterIdentity } from '../../src/node/cluster-id.js';
import { NodeService, systemClock } from '../../src/node/node-service.js';
import { ReadyDriver } from '../../src/node/ready-driver.js';
import { members, seededRandom } from '../raft/harness.js';

/** Every node of the in-process cluster shares this cluster ID, as one bootstrap's members do. */
const CLUSTER_ID = '0123456789abcdef';
const TICK_MS = 5;

interface InProcessNode {
  id: number;
  raft: RaftNode;
  driver: ReadyDriver;
  service: NodeService;
  machine: KvStateMachine;
  checkpoints: { membership: Membership; index: number }[];
}

/** Three (or more) nodes over the driver; messages are delivered on a later turn of the event loop. */
class InProcessCluster {
  readonly nodes = new Map<number, InProcessNode>();
  /** Directed links that drop everything, as "from>to". */
  readonly cut = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  readonly dir = mkdtempSync(join(tmpdir(), 'chronik-service-'));

  constructor(ids: number[]) {
    for (const id of ids) this.nodes.set(id, this.makeNode(id, ids));
    this.timer = setInterval(() => {
      for (const node of this.nodes.values()) {
        node.raft.tick();
        node.service.tick();
        node.driver.process();
      }
    }, TICK_MS);
  }

  private makeNode(id: number, voters: number[]): InProcessNode {
    const storage = new MemoryStorage();
    storage.append(bootstrapEntries(members(voters)));
    storage.setHardState(bootstrapHardState(members(voters)));
    const raft = new RaftNode({ id, electionTicks: 10, heartbeatTicks: 2, random: seededRandom(id) }, storage);
    const logger = new Logger({ format: 'text', file: join(this.dir, `node-${id}.log`) }, id);
    const config = nodeConfig(id, voters, this.dir);
    const metrics = createNodeMetrics({
      hasLeader: () => 0,
      isLeader: () => 0,
      term: () => 0,
      commitIndex: () => 0,
      appliedIndex: () => 0,
      lastIndex: () => 0,
      proposalsPending: () => 0,
      snapshotIndex: () => 0,
      walBytes: () => 0,
    });
    const checkpoints: { membership: Membership; index: number }[] = [];
    const machine = new KvStateMachine({ saveMembership: (membership, index) => checkpoints.push({ membership, index }) }, logger, { membershipSavedAt: voters.length });
    const service = new NodeService({ config, metrics, logger, clock: systemClock, readContextPrefix: `n${id}`, requestBoot: 1000 + id, startedAt: new Date().toISOString() });
    const driver = new ReadyDriver({
      raft,
      storage,
      disk: { write: (_write, done) => setImmediate(() => done()) },
      network: { send: (messages) => this.send(messages) },
      stateMachine: {
        apply: (entries) => {
          machine.apply(entries);
          service.applied(entries);
        },
        restore: (snapshot) => {
          machine.restore(snapshot);
          service.restored();
        },
      },
      observer: {
        persisted: (ready) => {
          if (ready.entries.some((entry) => entry.type === 'conf-change')) service.refreshMembership();
        },
        readStates: (states) => service.readStates(states),
        softState: (soft) => service.softStateChanged(soft),
      },
      onError: (error) => {
        throw error;
      },
    });
    const addresses = new Map(members(voters).map((m) => [m.id, m.addr]));
    service.attach({
      raft,
      process: () => driver.process(),
      machine,
      peers: { addressOf: (peer) => addresses.get(peer), setAddress: (peer, addr) => addresses.set(peer, addr) },
      snapshots: {
        receive: () => {
          throw new Error('no snapshots in this cluster');
        },
      },
      snapshotIndex: () => storage.snapshot().meta.index,
      walBytes: () => 0,
      membership: raft.status().membership,
      identity: nodeClusterIdentity(CLUSTER_ID, () => undefined, logger, metrics),
    });
    return { id, raft, driver, service, machine, checkpoints };
  }

  /** Over the same path a peer's batch takes: encoded, admitted, stepped by the receiving service. */
  private send(messages: readonly Message[]): void {
    for (const message of messages) {
      if (this.cut.has(`${message.from}>${message.to}`)) continue;
      const body = encodeBatch({ from: message.from, fromAddr: `127.0.0.1:${9190 + message.from}`, clusterId: CLUSTER_ID, messages: [message] });
      setImmediate(() => {
        try {
          this.nodes.get(message.to)?.service.receiveMessages(body);
        } catch (err) {
          // A stopped node refuses, as its HTTP server would answer 503; the sender's transport drops the batch.
          if (!(err instanceof ApiError && err.code === 'UNAVAILABLE')) throw err;
        }
      });
    }
  }

  node(id: number): InProcessNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  async leader(timeoutMs = 5000): Promise<InProcessNode> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const leader = [...this.nodes.values()].find((n) => n.service.softState.role === 'leader');
      if (leader !== undefined) return leader;
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
    throw new Error('no leader');
  }

  isolate(id: number): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  close(): void {
    clearInterval(this.timer);
    for (const node of this.nodes.values()) {
      node.service.stop(new ApiError('UNAVAILABLE', 'the node is stopping'));
      node.driver.stop();
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function nodeConfig(id: number, voters: number[], dir: string): NodeConfig {
  return {
    nodeId: id,
    listen: `127.0.0.1:${9190 + id}`,
    advertise: `127.0.0.1:${9190 + id}`,
    peers: members(voters.filter((v) => v !== id)),
    join: false,
    dataDir: join(dir, `node-${id}`),
    cluster: 'chronik',
    tickMs: TICK_MS,
    electionTicks: 10,
    heartbeatTicks: 2,
    logFormat: 'text',
    snapshotEntries: 100_000,
    snapshotWalBytes: 64 * 1024 * 1024,
    snapshotTrailing: 5000,
    walSegmentBytes: 16 * 1024 * 1024,
  };
}

let cluster: InProcessCluster | undefined;
afterEach(() => {
  cluster?.close();
  cluster = undefined;
});

describe('NodeService over the Ready driver, in process', () => {
  it('commits a write on the leader and serves a linearizable read of it from a follower', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const leader = await cluster.leader();
    const written = (await leader.service.propose('color', 'blue', 2000)) as { index: number; leader: number };
    expect(written.leader).toBe(leader.id);
    const follower = [...cluster.nodes.values()].find((n) => n.id !== leader.id) as InProcessNode;
    expect(await follower.service.routeToLeader(1000)).toBe(`127.0.0.1:${9190 + leader.id}`);
    const read = (await follower.service.read('color', false, 2000)) as { value: string; index: number };
    expect(read.value).toBe('blue');
    expect(read.index).toBeGreaterThanOrEqual(written.index);
    expect(follower.service.health()).toEqual({ ok: true, leader: leader.id, term: leader.raft.status().term });
  });

  it('a follower hands a write to the leader and answers it once applied here', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const leader = await cluster.leader();
    const follower = [...cluster.nodes.values()].find((n) => n.id !== leader.id) as InProcessNode;
    const written = (await follower.service.propose('k', 'v', 2000)) as { index: number; term: number; leader: number };
    expect(written.leader).toBe(leader.id);
    expect(follower.machine.applied()).toBeGreaterThanOrEqual(written.index);
    expect(follower.machine.kv.get('k')).toEqual({ value: 'v', index: written.index });
  });

  it('answers each of concurrent writes through every member with its own entry', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    await cluster.leader();
    const writes = [1, 2, 3].flatMap((id) => Array.from({ length: 20 }, (_, i) => ({ id, key: `n${id}-k${i}`, value: `v${id}-${i}` })));
    const answers = await Promise.all(writes.map((w) => cluster?.node(w.id).service.propose(w.key, w.value, 3000)));
    const indexes = new Set<number>();
    for (const [i, w] of writes.entries()) {
      const answer = answers[i] as { key: string; index: number };
      expect(answer.key).toBe(w.key);
      // The entry at the answered index is this write: the key was last written there, with this value.
      expect(cluster.node(w.id).machine.kv.get(w.key)).toEqual({ value: w.value, index: answer.index });
      indexes.add(answer.index);
    }
    expect(indexes.size).toBe(writes.length);
  });

  it('a follower that knows no leader refuses a write at once with NO_LEADER', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const leader = await cluster.leader();
    const follower = [...cluster.nodes.values()].find((n) => n.id !== leader.id) as InProcessNode;
    cluster.isolate(follower.id);
    const deadline = Date.now() + 5000;
    while (follower.service.softState.leader !== 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    const started = Date.now();
    await expect(follower.service.propose('k', 'v', 2000)).rejects.toMatchObject({ code: 'NO_LEADER' });
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('a write handed to the leader but never applied here times out (outcome unknown)', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const leader = await cluster.leader();
    const follower = [...cluster.nodes.values()].find((n) => n.id !== leader.id) as InProcessNode;
    cluster.cut.add(`${leader.id}>${follower.id}`);
    await expect(follower.service.propose('k', 'v', 400)).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('refuses a batch from another cluster ID and logs it once', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const node = cluster.node(1);
    const body = encodeBatch({ from: 7, fromAddr: '127.0.0.1:9999', clusterId: 'ffffffffffffffff', messages: [] });
    expect(() => node.service.receiveMessages(body)).toThrow(/cluster ID mismatch: node 7 is in cluster ffffffffffffffff/);
    expect(() => node.service.receiveMessages(body)).toThrow(/cluster ID mismatch/);
    const lines = readFileSync(join(cluster.dir, 'node-1.log'), 'utf8').split('\n').filter((line) => line.includes('cluster ID mismatch'));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain(`peer=7 addr=127.0.0.1:9999 cluster_id=ffffffffffffffff expected=${CLUSTER_ID}`);
  });

  it('removes a voter, checkpoints the membership, and hands leadership over on request', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const leader = await cluster.leader();
    const [other, removed] = [1, 2, 3].filter((id) => id !== leader.id) as [number, number];
    const change = (await leader.service.changeMembership({ type: 'remove', id: removed }, 3000)) as { index: number; voters: { id: number }[] };
    expect(change.voters.map((m) => m.id).sort()).toEqual([leader.id, other].sort());
    expect(leader.checkpoints.at(-1)).toMatchObject({ index: change.index });
    const moved = (await leader.service.transferLeader(other, 3000)) as { leader: number };
    expect(moved.leader).toBe(other);
    expect(cluster.node(other).service.softState.role).toBe('leader');
  });

  it('a leader cut off from its followers answers a read with NO_LEADER-or-TIMEOUT, never a stale value', async () => {
    cluster = new InProcessCluster([1, 2, 3]);
    const leader = await cluster.leader();
    await leader.service.propose('x', '1', 2000);
    cluster.isolate(leader.id);
    const read = leader.service.read('x', false, 300);
    await expect(read).rejects.toBeInstanceOf(ApiError);
    await expect(read).rejects.toMatchObject({ code: expect.stringMatching(/^(NO_LEADER|TIMEOUT)$/) });
  });
});
