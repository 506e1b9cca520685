// A tiny synchronous cluster for unit tests: every node's Ready goes through the runtime's own driver
// (src/node/ready-driver.ts) over an in-memory disk, and messages are delivered in order unless a test
// cuts a link.

import {
  MemoryStorage,
  RaftNode,
  bootstrapEntries,
  bootstrapHardState,
  type Entry,
  type Member,
  type Message,
  type NodeId,
  type RaftConfig,
  type RaftEvent,
  type ReadState,
} from '../../src/raft/index.js';
import { ReadyDriver } from '../../src/node/ready-driver.js';

export interface TestNode {
  id: NodeId;
  storage: MemoryStorage;
  raft: RaftNode;
  applied: Entry[];
  readStates: ReadState[];
  events: RaftEvent[];
}

export function members(ids: NodeId[]): Member[] {
  return ids.map((id) => ({ id, addr: `127.0.0.1:${9190 + id}` }));
}

/** A deterministic PRNG (mulberry32), so tests control election jitter. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Cluster {
  readonly nodes = new Map<NodeId, TestNode>();
  /** Links that drop messages, as "from->to". */
  readonly cut = new Set<string>();
  readonly inbox: Message[] = [];

  constructor(
    voterIds: NodeId[],
    private readonly configure: Partial<RaftConfig> = {},
  ) {
    for (const id of voterIds) this.addNode(id, voterIds);
  }

  /** Create a node: bootstrapped with `bootstrap` voters, or empty (a --join node) when omitted. */
  addNode(id: NodeId, bootstrap?: NodeId[]): TestNode {
    const storage = new MemoryStorage();
    if (bootstrap !== undefined) {
      storage.append(bootstrapEntries(members(bootstrap)));
      storage.setHardState(bootstrapHardState(members(bootstrap)));
    }
    const events: RaftEvent[] = [];
    const raft = new RaftNode(
      { id, electionTicks: 10, heartbeatTicks: 2, random: seededRandom(id), logger: (e) => events.push(e), ...this.configure },
      storage,
    );
    const node: TestNode = { id, storage, raft, applied: [], readStates: [], events };
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): TestNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  isolate(id: NodeId): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}->${other}`);
      this.cut.add(`${other}->${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  /** Handle every node's Readies, queueing the messages. */
  flush(): boolean {
    let any = false;
    for (const node of this.nodes.values()) {
      any = node.raft.hasReady() || any;
      runReadies(node, (messages) => {
        for (const m of messages) if (!this.cut.has(`${m.from}->${m.to}`)) this.inbox.push(m);
      });
    }
    return any;
  }

  /** Deliver messages until nothing moves. */
  settle(limit = 10_000): void {
    for (let i = 0; i < limit; i++) {
      this.flush();
      const m = this.inbox.shift();
      if (m === undefined) return;
      this.nodes.get(m.to)?.raft.step(m);
    }
    throw new Error('cluster did not settle');
  }

  tick(times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const node of this.nodes.values()) node.raft.tick();
      this.settle();
    }
  }

  leader(): TestNode | undefined {
    return [...this.nodes.values()].find((n) => n.raft.status().role === 'leader');
  }

  /** Tick until some node leads. */
  electLeader(maxTicks = 200): TestNode {
    for (let i = 0; i < maxTicks; i++) {
      const leader = this.leader();
      if (leader !== undefined) return leader;
      this.tick();
    }
    throw new Error('no leader elected');
  }

  appliedData(id: NodeId): string[] {
    return this.node(id)
      .applied.filter((e) => e.type === 'normal' && e.data.length > 0)
      .map((e) => (e.type === 'normal' ? new TextDecoder().decode(e.data) : ''));
  }
}

export const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** A lone node bootstrapped with `voters`, driven by hand: the test steps messages into it. */
export function soloNode(id: NodeId, voters: NodeId[], config: Partial<RaftConfig> = {}): TestNode {
  const storage = new MemoryStorage();
  storage.append(bootstrapEntries(members(voters)));
  storage.setHardState(bootstrapHardState(members(voters)));
  const events: RaftEvent[] = [];
  const raft = new RaftNode(
    { id, electionTicks: 10, heartbeatTicks: 2, random: seededRandom(id), logger: (e) => events.push(e), ...config },
    storage,
  );
  return { id, storage, raft, applied: [], readStates: [], events };
}

/** Handle a hand-driven node's Readies like the runtime and return the messages it sends. */
export function drain(node: TestNode): Message[] {
  const sent: Message[] = [];
  runReadies(node, (messages) => sent.push(...messages));
  return sent;
}

/** The runtime's Ready driver over a disk that is durable at once (the node's MemoryStorage). */
function runReadies(node: TestNode, send: (messages: readonly Message[]) => void): void {
  const driver = new ReadyDriver({
    raft: node.raft,
    storage: node.storage,
    disk: { write: (_write, done) => done() },
    network: { send },
    stateMachine: { apply: (entries) => node.applied.push(...entries), restore: () => undefined },
    observer: { readStates: (states) => node.readStates.push(...states) },
    onError: (error) => {
      throw error;
    },
  });
  driver.process();
}
