// Simulated nodes over a simulated network: each node runs the runtime's own Ready driver
// (src/node/ready-driver.ts) over a simulated disk whose writes take a moment, so messages arrive and
// nodes crash (losing whatever was not yet durable) while a write is in flight; a node restarts from its disk.

import {
  CompactedError,
  MemoryStorage,
  RaftNode,
  applyChange,
  bootstrapEntries,
  bootstrapHardState,
  emptyMembership,
  type Entry,
  type Member,
  type Membership,
  type Message,
  type NodeId,
  type RaftEvent,
  type HardState,
  type ReadState,
  type Ready,
  type Snapshot,
} from '../../src/raft/index.js';
import { ReadyDriver, type ReadyWrite } from '../../src/node/ready-driver.js';
import { eventRecord } from '../../src/shared/log-catalogue.js';
import { EventQueue } from './events.js';
import { InvariantChecker, InvariantViolation } from './invariants.js';
import type { Prng } from './prng.js';

export interface NetworkFaults {
  dropRate: number;
  duplicateRate: number;
  /** Typical one-way latency range, in ticks. */
  minDelay: number;
  maxDelay: number;
  /** Chance that a message is held back much longer (up to longDelay ticks), overtaking others. */
  longDelayRate: number;
  longDelay: number;
}

export const calmNetwork: NetworkFaults = {
  dropRate: 0,
  duplicateRate: 0,
  minDelay: 0.05,
  maxDelay: 0.3,
  longDelayRate: 0,
  longDelay: 0,
};

export interface RaftTuning {
  electionTicks: number;
  heartbeatTicks: number;
  maxInflight: number;
  maxEntriesPerAppend: number;
}

interface WaitingRead {
  context: string;
  commitAtStart: number;
  key: string;
  readIndex?: number;
}

export class SimNode {
  readonly disk = new MemoryStorage();
  raft: RaftNode | undefined;
  driver: ReadyDriver | undefined;
  /** The hard state as of the last synced write: a commit-only change is not synced, and a crash loses it. */
  syncedHardState: HardState = { term: 0, vote: 0, commit: 0 };
  /** The newest hard state the driver handed to the disk. */
  latestHardState: HardState = { term: 0, vote: 0, commit: 0 };
  /** A synced write is in flight: a crash now loses it. */
  writing = false;
  /** The newest vote this node has told anyone about (its own as a candidate, or one it granted). */
  voteSent: { term: number; candidate: NodeId } | undefined;
  /** Bumped on every crash, so events scheduled for an earlier life are ignored. */
  life = 0;
  kv = new Map<string, string>();
  appliedIndex = 0;
  /** The membership as of appliedIndex, which is what a snapshot records. */
  appliedMembership: Membership = emptyMembership();
  readyScheduled = false;
  /** The highest commit index this node's persisted state was checked against. */
  commitChecked = 0;
  /** Set when the node became leader of this term and its log is yet to be checked for completeness. */
  leaderCheckTerm = 0;
  reads: WaitingRead[] = [];
  /**
   * Writes a client made at this node, by command (commands are unique), with the index this node
   * appended it at when it led (undefined when handed to the leader). Answered only when the node
   * applies that command; one appended at a known index fails when another entry applies there.
   * A crash forgets them: the client saw its connection drop (outcome unknown).
   */
  waiting = new Map<string, number | undefined>();
  /** Offset of this node's ticks within each tick, so nodes' clocks are not in lockstep. */
  readonly phase: number;

  constructor(
    readonly id: NodeId,
    readonly addr: string,
    phase: number,
  ) {
    this.phase = phase;
  }

  get alive(): boolean {
    return this.raft !== undefined;
  }
}

type SimEvent =
  | { kind: 'tick'; node: NodeId; life: number }
  | { kind: 'connection-lost'; node: NodeId; peer: NodeId; life: number }
  | { kind: 'ready'; node: NodeId; life: number }
  | { kind: 'written'; node: NodeId; life: number; done: () => void }
  | { kind: 'deliver'; message: Message };

export const addressOf = (id: NodeId): string => `127.0.0.1:${9100 + id}`;

export class SimCluster {
  readonly nodes = new Map<NodeId, SimNode>();
  readonly checker = new InvariantChecker();
  /** Blocked directed links, as "from>to". */
  readonly blocked = new Set<string>();
  /**
   * Links cut with a reset (test/sim/resets.ts), as "from>to" in both directions: traffic is dropped and
   * reconnects are refused, so the runtime reports the connection lost (RaftNode.reportConnectionLost).
   */
  readonly resetCuts = new Set<string>();
  faults: NetworkFaults = calmNetwork;
  now = 0;
  private readonly queue = new EventQueue<SimEvent>();
  private readCounter = 0;
  readonly stats = { delivered: 0, dropped: 0, duplicated: 0, crashes: 0, readsServed: 0, applied: 0, acknowledged: 0, acknowledgedForwarded: 0, leaders: 0, snapshotsInstalled: 0, confChangesCommitted: 0 };
  private readonly committedConfIndexes = new Set<number>();

  constructor(
    private readonly rng: Prng,
    private readonly tuning: RaftTuning,
    readonly trace: ((line: string) => void) | undefined,
    /** Timing of connection resets, apart from `rng` so that runs without resets replay as before. */
    private readonly resetRng: Prng,
  ) {}

  log(line: string): void {
    this.trace?.(`${this.now.toFixed(2).padStart(8)} ${line}`);
  }

  /** Create the initial voters, each bootstrapped with the same membership. */
  bootstrap(ids: NodeId[]): void {
    const members: Member[] = ids.map((id) => ({ id, addr: addressOf(id) }));
    for (const id of ids) {
      const node = this.createNode(id);
      node.disk.append(bootstrapEntries(members));
      node.disk.setHardState(bootstrapHardState(members));
      node.syncedHardState = bootstrapHardState(members);
      node.latestHardState = node.syncedHardState;
      this.start(node);
    }
  }

  /** A node with empty storage, waiting to be added (a --join node). */
  addEmptyNode(id: NodeId): SimNode {
    const node = this.createNode(id);
    this.start(node);
    return node;
  }

  private createNode(id: NodeId): SimNode {
    const node = new SimNode(id, addressOf(id), this.rng.next());
    this.nodes.set(id, node);
    return node;
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  private start(node: SimNode): void {
    const random = this.rng.fork();
    const snapshot = node.disk.snapshot();
    node.kv = snapshot.meta.index > 0 ? decodeState(snapshot.data) : new Map();
    node.appliedIndex = snapshot.meta.index;
    node.appliedMembership = snapshot.meta.membership;
    node.reads = [];
    node.waiting.clear();
    const raft = new RaftNode(
      {
        id: node.id,
        ...this.tuning,
        random: () => random.next(),
        logger: (event) => this.onRaftEvent(event),
      },
      node.disk,
    );
    node.raft = raft;
    node.driver = new ReadyDriver({
      raft,
      storage: node.disk,
      disk: { write: (write, done) => this.write(node, write, done) },
      network: {
        send: (messages) =>
          messages.forEach((message) => {
            this.noteVote(node, message);
            this.send(message);
          }),
      },
      stateMachine: { apply: (entries) => entries.forEach((entry) => this.apply(node, entry)), restore: (snapshot) => this.restore(node, snapshot) },
      observer: {
        persisted: (ready) => this.persisted(node, ready),
        readStates: (states) => states.forEach((state) => this.readIndexArrived(node, state)),
        advanced: () => this.serveReads(node),
      },
      onError: (error) => {
        throw error;
      },
    });
    this.log(`n${node.id} start (life ${node.life}) disk last=${node.disk.lastIndex()} snap=${snapshot.meta.index}`);
    this.scheduleReady(node);
  }

  private onRaftEvent(event: RaftEvent): void {
    if (event.type === 'committed-entry-conflict') this.checker.observeCommittedConflict(event.node, event.peer, event.index, event.localTerm, event.leaderTerm);
    if (this.trace === undefined) return;
    const record = eventRecord(event);
    const fields = Object.entries(record.fields)
      .filter(([key]) => key !== 'node')
      .map(([key, value]) => `${key}=${Array.isArray(value) ? `[${value.join(',')}]` : String(value)}`);
    this.log(`n${event.node} ${record.msg} ${fields.join(' ')}`);
  }

  /**
   * The runtime of `node` saw its stream to `peer` close; `delay` later its reconnect is answered. Only a
   * refused one is reported: the peer is down (crashed) or the link is cut with resets. A peer that is
   * back by then (restarted, or a reset that healed at once) accepts the reconnect, and nothing is said.
   */
  connectionReset(node: NodeId, peer: NodeId, delay: number): void {
    const target = this.nodes.get(node);
    if (target?.alive !== true) return;
    this.queue.push(this.now + delay, { kind: 'connection-lost', node, peer, life: target.life });
  }

  /** `resets`: the process died on a live host, so every peer's stream to it is reset and reconnects refused. */
  crash(id: NodeId, resets = false): void {
    const node = this.node(id);
    if (!node.alive) return;
    if (resets) for (const other of this.nodes.values()) if (other.id !== id) this.connectionReset(other.id, id, 0.01 + this.resetRng.next() * 0.09);
    this.checkVoteDurable(node);
    node.raft = undefined;
    node.driver = undefined;
    node.writing = false;
    node.latestHardState = node.syncedHardState;
    node.life++;
    // What was not synced is gone: the commit index of commit-only writes (never below the snapshot, as the
    // runtime reads it back on start).
    node.disk.setHardState({ ...node.syncedHardState, commit: Math.max(node.syncedHardState.commit, node.disk.snapshot().meta.index) });
    node.readyScheduled = false;
    node.reads = [];
    this.stats.crashes++;
    this.log(`n${id} CRASH (unpersisted state lost)`);
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.alive) return;
    this.start(node);
  }

  /** Run every event due before `until`, then stop the clock there. */
  runUntil(until: number): void {
    for (;;) {
      const time = this.queue.peekTime();
      if (time === undefined || time >= until) break;
      const event = this.queue.pop();
      if (event === undefined) break;
      this.now = event.time;
      this.handle(event.item);
    }
    this.now = until;
  }

  /** Schedule one tick for every live node during [now, now + 1). */
  scheduleTicks(): void {
    for (const node of this.nodes.values()) {
      if (node.alive) this.queue.push(this.now + node.phase, { kind: 'tick', node: node.id, life: node.life });
    }
  }

  private handle(event: SimEvent): void {
    if (event.kind === 'deliver') {
      this.deliver(event.message);
      return;
    }
    const node = this.node(event.node);
    if (!node.alive || node.life !== event.life) return;
    if (event.kind === 'tick') {
      node.raft?.tick();
      this.afterInput(node);
    } else if (event.kind === 'connection-lost') {
      const peer = this.nodes.get(event.peer);
      if (peer?.alive === true && !this.resetCuts.has(`${node.id}>${peer.id}`)) return;
      this.log(`n${node.id} connection to n${event.peer} reset, reconnect refused`);
      node.raft?.reportConnectionLost(event.peer);
      this.afterInput(node);
    } else if (event.kind === 'ready') {
      node.readyScheduled = false;
      node.driver?.process();
    } else {
      event.done();
    }
  }

  private deliver(message: Message): void {
    const node = this.nodes.get(message.to);
    const link = `${message.from}>${message.to}`;
    if (node?.raft === undefined || this.blocked.has(link) || this.resetCuts.has(link)) {
      this.stats.dropped++;
      return;
    }
    this.stats.delivered++;
    this.log(`n${message.to} <- n${message.from} ${describeMessage(message)}`);
    node.raft.step(message);
    this.afterInput(node);
  }

  /** Observe a node after any input: leadership, then schedule its Ready (an fsync takes a moment). */
  afterInput(node: SimNode): void {
    const raft = node.raft;
    if (raft === undefined) return;
    const status = raft.status();
    if (status.role === 'leader' && node.leaderCheckTerm !== status.term) {
      this.checker.observeLeader(status.term, node.id);
      this.stats.leaders++;
      node.leaderCheckTerm = status.term;
      this.pendingLeaderChecks.set(node.id, status.term);
    }
    this.scheduleReady(node);
  }

  private readonly pendingLeaderChecks = new Map<NodeId, number>();

  private scheduleReady(node: SimNode): void {
    // While a write is in flight the runtime still calls process() after every input: a follower's proposals
    // may leave before the write completes (RaftNode.takeSendable).
    if (node.readyScheduled || node.raft === undefined || (!node.raft.hasReady() && !node.writing)) return;
    node.readyScheduled = true;
    this.queue.push(this.now + this.rng.next() * 0.2, { kind: 'ready', node: node.id, life: node.life });
  }

  /** The simulated disk: a write that must be synced becomes durable a moment later, unless the node crashes first. */
  private write(node: SimNode, write: ReadyWrite, done: () => void): void {
    if (write.hardState !== undefined) node.latestHardState = write.hardState;
    if (!write.mustSync) {
      done();
      return;
    }
    // Like the WAL: a synced write carries the newest hard state, commit index included.
    const hardState = node.latestHardState;
    const life = node.life;
    node.writing = true;
    const synced = (): void => {
      node.writing = false;
      node.syncedHardState = hardState;
      done();
    };
    this.queue.push(this.now + this.rng.next() * 0.2, { kind: 'written', node: node.id, life, done: synced });
  }

  private noteVote(node: SimNode, message: Message): void {
    const granted = message.type === 'vote-response' && !message.reject;
    if (message.type !== 'vote' && !granted) return;
    const candidate = granted ? message.to : node.id;
    if (node.voteSent === undefined || message.term > node.voteSent.term) node.voteSent = { term: message.term, candidate };
  }

  /** Figure 2: a vote is durable before anyone hears of it, so a crash never lets the node vote again in that term. */
  private checkVoteDurable(node: SimNode): void {
    const sent = node.voteSent;
    const disk = node.syncedHardState;
    if (sent === undefined || disk.term > sent.term || (disk.term === sent.term && disk.vote === sent.candidate)) return;
    throw new InvariantViolation('vote durability', `node ${node.id} sent its vote for ${sent.candidate} in term ${sent.term}, but its disk holds term ${disk.term} vote ${disk.vote}`);
  }

  private restore(node: SimNode, snapshot: Snapshot): void {
    node.kv = decodeState(snapshot.data);
    node.appliedIndex = snapshot.meta.index;
    node.appliedMembership = snapshot.meta.membership;
    this.stats.snapshotsInstalled++;
    this.log(`n${node.id} installed snapshot at ${snapshot.meta.index}`);
  }

  /** A write is durable (the driver mirrored it into node.disk): check what it made durable. */
  private persisted(node: SimNode, ready: Ready): void {
    for (const entry of ready.entries) this.checker.observeLogEntry(node.id, entry, node.disk.term(entry.index - 1));
    this.checkCommitted(node);
    const leaderTerm = this.pendingLeaderChecks.get(node.id);
    if (leaderTerm !== undefined) {
      this.pendingLeaderChecks.delete(node.id);
      this.checker.checkLeaderCompleteness(node.id, leaderTerm, (index) => diskEntry(node.disk, index));
    }
  }

  private checkCommitted(node: SimNode): void {
    const hard = node.disk.initialState().hardState;
    for (let index = Math.max(node.commitChecked + 1, node.disk.firstIndex()); index <= hard.commit; index++) {
      const entry = diskEntry(node.disk, index);
      if (entry === undefined || entry === 'compacted') {
        throw new InvariantViolation('durability', `node ${node.id} persisted commit ${hard.commit} without entry ${index}`);
      }
      this.checker.observeCommitted(node.id, hard.term, entry);
    }
    node.commitChecked = Math.max(node.commitChecked, hard.commit);
  }

  private send(message: Message): void {
    const faults = this.faults;
    if (this.rng.chance(faults.dropRate)) {
      this.stats.dropped++;
      return;
    }
    const copies = this.rng.chance(faults.duplicateRate) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = faults.minDelay + this.rng.next() * (faults.maxDelay - faults.minDelay);
      if (this.rng.chance(faults.longDelayRate)) delay += this.rng.next() * faults.longDelay;
      this.queue.push(this.now + delay, { kind: 'deliver', message });
    }
  }

  private apply(node: SimNode, entry: Entry): void {
    if (entry.index !== node.appliedIndex + 1) {
      throw new InvariantViolation('state machine safety', `node ${node.id} applied ${entry.index} after ${node.appliedIndex}`);
    }
    this.checker.observeApply(node.id, entry);
    node.appliedIndex = entry.index;
    this.stats.applied++;
    if (entry.type === 'conf-change') {
      if (entry.term > 1 && !this.committedConfIndexes.has(entry.index)) {
        this.committedConfIndexes.add(entry.index);
        this.stats.confChangesCommitted++;
      }
      node.appliedMembership = applyChange(node.appliedMembership, entry.change);
    } else if (entry.data.length > 0) {
      const command = new TextDecoder().decode(entry.data);
      const [key, value] = command.split('=');
      if (key !== undefined && value !== undefined) node.kv.set(key, value);
      this.answerWrite(node, entry.index, command);
    }
    for (const [command, index] of node.waiting) if (index === entry.index) node.waiting.delete(command);
  }

  /** A client's write at `node` is answered when the node applies the entry carrying its own command. */
  private answerWrite(node: SimNode, index: number, command: string): void {
    if (!node.waiting.has(command)) return;
    const expected = node.waiting.get(command);
    node.waiting.delete(command);
    if (expected !== undefined && expected !== index) {
      throw new InvariantViolation('acknowledged writes', `node ${node.id} appended ${command} at ${expected} but applied it at ${index}`);
    }
    this.checker.observeAcknowledged(node.id, index, command);
    this.stats.acknowledged++;
    if (expected === undefined) this.stats.acknowledgedForwarded++;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** Start a linearizable read of `key` at `id`. */
  read(id: NodeId, key: string): void {
    const node = this.node(id);
    const raft = node.raft;
    if (raft === undefined) return;
    const context = `r${++this.readCounter}`;
    const result = raft.readIndex(context);
    this.log(`n${id} read ${key} ctx=${context} -> ${result.ok ? 'pending' : result.reason}`);
    if (result.ok) node.reads.push({ context, key, commitAtStart: this.checker.maxCommit });
    this.afterInput(node);
  }

  private readIndexArrived(node: SimNode, state: ReadState): void {
    const read = node.reads.find((r) => r.context === state.context);
    if (read !== undefined) read.readIndex = state.index;
  }

  private serveReads(node: SimNode): void {
    node.reads = node.reads.filter((read) => {
      if (read.readIndex === undefined || node.appliedIndex < read.readIndex) return true;
      const value = node.kv.get(read.key);
      this.checker.observeRead({
        node: node.id,
        context: read.context,
        commitAtStart: read.commitAtStart,
        readIndex: read.readIndex,
        servedAt: node.appliedIndex,
        value,
        expected: this.checker.valueAt(read.key, node.appliedIndex),
      });
      this.stats.readsServed++;
      this.log(`n${node.id} served ${read.context} ${read.key}=${value} at ${node.appliedIndex}`);
      return false;
    });
  }

  /** Snapshot the applied state and drop the log before it, keeping `keep` entries for slow followers. */
  compact(id: NodeId, keep: number): void {
    const node = this.node(id);
    if (!node.alive || node.appliedIndex <= node.disk.snapshot().meta.index) return;
    node.disk.createSnapshot(node.appliedIndex, node.appliedMembership, encodeState(node.kv));
    const upTo = node.appliedIndex - keep;
    if (upTo > node.disk.firstIndex()) node.disk.compact(upTo);
    this.log(`n${id} snapshot at ${node.appliedIndex}, log from ${node.disk.firstIndex()}`);
  }
}

function diskEntry(disk: MemoryStorage, index: number): Entry | 'compacted' | undefined {
  if (index > disk.lastIndex()) return undefined;
  try {
    return disk.entries(index, index + 1)[0];
  } catch (error) {
    if (error instanceof CompactedError) return 'compacted';
    throw error;
  }
}

function encodeState(kv: Map<string, string>): Uint8Array {
  return new TextEncoder().encode(JSON.stringify([...kv]));
}

function decodeState(data: Uint8Array): Map<string, string> {
  return new Map(JSON.parse(new TextDecoder().decode(data)) as [string, string][]);
}

export function describeMessage(m: Message): string {
  switch (m.type) {
    case 'append':
      return `append t${m.term} prev=${m.prevIndex}/${m.prevTerm} n=${m.entries.length} commit=${m.commit}`;
    case 'append-response':
      return `append-response t${m.term} index=${m.index}${m.reject ? ` REJECT hint=${m.rejectHint}/${m.hintTerm}` : ''}`;
    case 'heartbeat':
      return `heartbeat t${m.term} commit=${m.commit}${m.context ? ` ctx=${m.context}` : ''}`;
    case 'vote':
    case 'pre-vote':
      return `${m.type} t${m.term} last=${m.lastIndex}/${m.lastTerm}${m.transfer ? ' transfer' : ''}`;
    case 'vote-response':
    case 'pre-vote-response':
      return `${m.type} t${m.term} ${m.reject ? 'REJECT' : 'grant'}`;
    case 'snapshot':
      return `snapshot t${m.term} at ${m.snapshot.meta.index}/${m.snapshot.meta.term}`;
    case 'read-index':
    case 'read-index-response':
      return `${m.type} t${m.term} ctx=${m.context}`;
    default:
      return `${m.type} t${m.term}`;
  }
}
