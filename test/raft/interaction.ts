// The environment behind test/raft/testdata/*.txt: a few cores stepped by hand, one directive at a
// time, printing a protocol trace (Readies, messages, the core's log lines) for the file to pin.

import {
  MemoryStorage,
  RaftNode,
  bootstrapEntries,
  bootstrapHardState,
  describeChange,
  voterIds,
  learnerIds,
  type ConfChange,
  type Entry,
  type Message,
  type NodeId,
  type RaftConfig,
  type RaftEvent,
  type Ready,
  type Snapshot,
} from '../../src/raft/index.js';
import { eventRecord } from '../../src/shared/log-catalogue.js';
import { ReadyDriver } from '../../src/node/ready-driver.js';
import type { Directive } from '../support/datadriven.js';
import { members } from './harness.js';

interface Node {
  id: NodeId;
  storage: MemoryStorage;
  raft: RaftNode;
  config: RaftConfig;
}

/** `none` silences the whole trace (for setting a scene); `warn` keeps only warnings among the log lines. */
const LEVELS = { none: 0, warn: 1, info: 2 } as const;
type Level = keyof typeof LEVELS;

export class Interaction {
  private readonly nodes = new Map<NodeId, Node>();
  private inbox: Message[] = [];
  private readonly isolated = new Set<NodeId>();
  private level: Level = 'info';
  private out: string[] = [];
  private indent = '';

  run(d: Directive): string {
    this.out = [];
    this.indent = '';
    switch (d.command) {
      case 'add-nodes':
        this.addNodes(d);
        break;
      case 'campaign':
        this.node(d, 0).raft.campaign();
        break;
      case 'propose': {
        const data = new TextEncoder().encode(this.arg(d, 1));
        this.print(this.result(this.node(d, 0).raft.propose(data)));
        break;
      }
      case 'propose-conf-change':
        this.print(this.result(this.node(d, 0).raft.proposeConfChange(this.confChange(d))));
        break;
      case 'read-index':
        this.print(this.result(this.node(d, 0).raft.readIndex(this.arg(d, 1))));
        break;
      case 'transfer-leader':
        this.print(this.result(this.node(d, 0).raft.transferLeader(this.id(d, 1))));
        break;
      case 'tick':
        this.tick(this.node(d, 0), Number(d.args[1] ?? 1));
        break;
      case 'tick-election': {
        const node = this.node(d, 0);
        this.tick(node, node.config.electionTicks ?? 10);
        break;
      }
      case 'tick-heartbeat': {
        const node = this.node(d, 0);
        this.tick(node, node.config.heartbeatTicks ?? 1);
        break;
      }
      case 'process-ready':
        for (const node of this.selected(d)) this.processReady(node);
        break;
      case 'deliver-msgs':
        for (const node of this.selected(d)) this.deliver(node);
        break;
      case 'drop-msgs':
        this.dropMessages(new Set(this.selected(d).map((n) => n.id)));
        break;
      case 'stabilize':
        this.stabilize(this.selected(d));
        break;
      case 'connection-lost':
        // The runtime saw node 0's connection to node 1 reset, and its reconnect refused.
        this.node(d, 0).raft.reportConnectionLost(this.id(d, 1));
        break;
      case 'isolate':
        this.isolated.add(this.id(d, 0));
        break;
      case 'heal':
        this.isolated.clear();
        break;
      case 'compact':
        this.compact(this.node(d, 0), Number(this.arg(d, 1)));
        break;
      case 'restart':
        this.restart(this.node(d, 0));
        break;
      case 'raft-state':
        for (const node of this.nodes.values()) this.print(this.state(node));
        break;
      case 'raft-log':
        this.raftLog(this.node(d, 0));
        break;
      case 'status':
        this.progress(this.node(d, 0));
        break;
      case 'log-level': {
        const level = this.arg(d, 0);
        if (!(level in LEVELS)) throw new Error(`log-level is one of ${Object.keys(LEVELS).join(', ')}`);
        this.level = level as Level;
        break;
      }
      default:
        throw new Error(`unknown command ${d.command}`);
    }
    return this.out.join('\n');
  }

  /** Answers to queries and inputs (raft-state, propose, ...): always printed. */
  private print(line: string): void {
    this.out.push(this.indent + line);
  }

  /** The protocol trace (Readies, messages, log lines): silenced by `log-level none`. */
  private trace(line: string): void {
    if (this.level !== 'none') this.print(line);
  }

  private arg(d: Directive, i: number): string {
    const value = d.args[i];
    if (value === undefined) throw new Error(`${d.command} needs argument ${i + 1}`);
    return value;
  }

  private id(d: Directive, i: number): NodeId {
    const id = Number(this.arg(d, i));
    if (!Number.isInteger(id) || id <= 0) throw new Error(`not a node id: ${d.args[i]}`);
    return id;
  }

  private node(d: Directive, i: number): Node {
    const id = this.id(d, i);
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** The nodes named as arguments, or all of them in id order. */
  private selected(d: Directive): Node[] {
    if (d.args.length === 0) return [...this.nodes.values()];
    return d.args.map((_, i) => this.node(d, i));
  }

  /**
   * `add-nodes N [voters=1,2,3] [join] [pre-vote=false] [check-quorum=false] [election=10] [heartbeat=1]`:
   * N nodes with the next free ids, bootstrapped with `voters` (default: the new nodes) or empty (`join`).
   */
  private addNodes(d: Directive): void {
    const count = Number(this.arg(d, 0));
    const first = Math.max(0, ...this.nodes.keys()) + 1;
    const ids = Array.from({ length: count }, (_, i) => first + i);
    const voters = d.options.has('voters') ? (d.options.get('voters') ?? '').split(',').map(Number) : ids;
    const join = d.args.includes('join');
    const flag = (name: string, fallback: boolean): boolean => (d.options.has(name) ? d.options.get(name) === 'true' : fallback);
    const number = (name: string, fallback: number): number => Number(d.options.get(name) ?? fallback);
    for (const id of ids) {
      const storage = new MemoryStorage();
      if (!join) {
        storage.append(bootstrapEntries(members(voters)));
        storage.setHardState(bootstrapHardState(members(voters)));
      }
      const config: RaftConfig = {
        id,
        electionTicks: number('election', 10),
        heartbeatTicks: number('heartbeat', 1),
        preVote: flag('pre-vote', true),
        checkQuorum: flag('check-quorum', true),
        maxInflight: number('max-inflight', 256),
        // No jitter: an election timeout is exactly `election` ticks, so a script says when it fires.
        random: () => 0,
        logger: (event) => this.logEvent(event),
      };
      const node: Node = { id, storage, raft: new RaftNode(config, storage), config };
      this.nodes.set(id, node);
      this.trace(this.state(node));
    }
  }

  private restart(node: Node): void {
    // Everything in the storage survives; the inbox keeps what was addressed to the node.
    node.raft = new RaftNode(node.config, node.storage);
    this.print(this.state(node));
  }

  private logEvent(event: RaftEvent): void {
    const record = eventRecord(event);
    if (LEVELS[record.level === 'warn' || record.level === 'error' ? 'warn' : 'info'] > LEVELS[this.level]) return;
    const fields = Object.entries(record.fields)
      .filter(([key]) => key !== 'node')
      .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`);
    this.trace(`${record.level.toUpperCase()} ${event.node}: ${record.msg} ${fields.join(' ')}`);
  }

  private result(result: { ok: true; index?: number; term?: number; forwarded?: boolean; leader?: NodeId } | { ok: false; reason: string; leader: NodeId; detail?: string }): string {
    if (result.ok && result.forwarded === true) return `forwarded to ${result.leader}`;
    if (result.ok) return result.index === undefined ? 'ok' : `ok index=${result.index} term=${result.term}`;
    return `refused ${result.reason} leader=${result.leader}${result.detail === undefined ? '' : ` (${result.detail})`}`;
  }

  /** `propose-conf-change N add-learner|add-voter|promote|remove ID`. */
  private confChange(d: Directive): ConfChange {
    const type = this.arg(d, 1);
    const id = this.id(d, 2);
    const addr = members([id])[0]?.addr ?? '';
    switch (type) {
      case 'add-learner':
      case 'add-voter':
        return { type, id, addr };
      case 'promote':
      case 'remove':
        return { type, id };
      default:
        throw new Error(`unknown conf change ${type}`);
    }
  }

  private tick(node: Node, times: number): void {
    for (let i = 0; i < times; i++) node.raft.tick();
  }

  /** Hands `node`'s Readies to the shipped Ready driver (src/node/ready-driver.ts), printing each one as it is taken. */
  private processReady(node: Node): boolean {
    let any = false;
    const send = (messages: readonly Message[]): void => {
      for (const m of messages) if (!this.isolated.has(m.from) && !this.isolated.has(m.to)) this.inbox.push(m);
    };
    const driver = new ReadyDriver({
      raft: node.raft,
      storage: node.storage,
      disk: { write: (_write, done) => done() },
      network: { send },
      stateMachine: { apply: () => undefined, restore: () => undefined },
      observer: {
        began: (rd) => {
          any = true;
          this.trace(`> ${node.id} handling Ready`);
          this.indent = '  ';
          this.printReady(rd);
          this.indent = '';
        },
      },
      onError: (error) => {
        throw error;
      },
    });
    driver.process();
    return any;
  }

  private printReady(rd: Ready): void {
    if (rd.softState) this.trace(`SoftState role=${rd.softState.role} leader=${rd.softState.leader}`);
    if (rd.hardState) this.trace(`HardState term=${rd.hardState.term} vote=${rd.hardState.vote} commit=${rd.hardState.commit}`);
    if (rd.snapshot) this.trace(`Snapshot ${snapshotText(rd.snapshot)}`);
    this.printList('Entries', rd.entries.map(entryText));
    const listed = (messages: readonly Message[]): string[] =>
      messages.map((m) => messageText(m) + (this.isolated.has(m.from) || this.isolated.has(m.to) ? ' (dropped: isolated)' : ''));
    // Messages may leave before the Ready's write; PersistedMessages only after it (the core's persistence rule).
    this.printList('Messages', listed(rd.messages));
    this.printList('PersistedMessages', listed(rd.persistedMessages));
    this.printList('CommittedEntries', rd.committedEntries.map(entryText));
    this.printList('ReadStates', rd.readStates.map((r) => `context=${r.context} index=${r.index}`));
  }

  private printList(title: string, lines: string[]): void {
    if (lines.length === 0) return;
    this.trace(`${title}:`);
    for (const line of lines) this.trace(`  ${line}`);
  }

  /** Step every message queued for `node` so far (not those its answers produce). */
  private deliver(node: Node): boolean {
    const mine = this.inbox.filter((m) => m.to === node.id);
    if (mine.length === 0) return false;
    this.inbox = this.inbox.filter((m) => m.to !== node.id);
    this.trace(`> ${node.id} receiving messages`);
    this.indent = '  ';
    for (const m of mine) {
      this.trace(messageText(m));
      node.raft.step(m);
    }
    this.indent = '';
    return true;
  }

  private dropMessages(to: Set<NodeId>): void {
    const dropped = this.inbox.filter((m) => to.has(m.to));
    this.inbox = this.inbox.filter((m) => !to.has(m.to));
    for (const m of dropped) this.trace(`dropped ${messageText(m)}`);
  }

  /** Handle Readies and deliver messages among `nodes` until nothing moves. */
  private stabilize(nodes: Node[]): void {
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const node of nodes) moved = this.processReady(node) || moved;
      for (const node of nodes) moved = this.deliver(node) || moved;
      if (!moved) return;
    }
    throw new Error('did not stabilize in 1000 rounds');
  }

  /** `compact N INDEX`: the state machine snapshots at INDEX (already applied) and the log drops what it covers. */
  private compact(node: Node, index: number): void {
    const status = node.raft.status();
    if (index > status.applied) throw new Error(`cannot compact to ${index}: applied is ${status.applied}`);
    const snapshot = node.storage.createSnapshot(index, status.membership, new Uint8Array(0));
    node.storage.compact(index);
    this.print(`snapshot ${snapshotText(snapshot)}; log starts at ${node.storage.firstIndex()}`);
  }

  private state(node: Node): string {
    const s = node.raft.status();
    const learners = learnerIds(s.membership);
    return (
      `${node.id}: ${s.role} term=${s.term} vote=${s.vote} leader=${s.leader} commit=${s.commit} applied=${s.applied} ` +
      `last=${s.lastIndex} voters=${voterIds(s.membership).join(',')}` +
      (learners.length > 0 ? ` learners=${learners.join(',')}` : '') +
      (this.isolated.has(node.id) ? ' (isolated)' : '')
    );
  }

  private raftLog(node: Node): void {
    const { storage } = node;
    const snapshot = storage.snapshot();
    if (snapshot.meta.index > 0) this.print(`snapshot ${snapshotText(snapshot)}`);
    if (storage.lastIndex() < storage.firstIndex()) return;
    for (const entry of storage.entries(storage.firstIndex(), storage.lastIndex() + 1)) this.print(entryText(entry));
  }

  private progress(node: Node): void {
    const { progress } = node.raft.status();
    if (progress === undefined) throw new Error(`node ${node.id} is not the leader`);
    for (const pr of progress) {
      this.print(`${pr.id}: ${pr.state} match=${pr.match} next=${pr.next}${pr.recentActive ? ' active' : ''}`);
    }
  }
}

function entryText(entry: Entry): string {
  const at = `${entry.term}/${entry.index}`;
  if (entry.type === 'conf-change') return `${at} ${describeChange(entry.change)}`;
  return entry.data.length === 0 ? `${at} no-op` : `${at} ${JSON.stringify(new TextDecoder().decode(entry.data))}`;
}

function snapshotText(snapshot: Snapshot): string {
  const { meta } = snapshot;
  const learners = learnerIds(meta.membership);
  return `${meta.term}/${meta.index} voters=${voterIds(meta.membership).join(',')}${learners.length > 0 ? ` learners=${learners.join(',')}` : ''}`;
}

function messageText(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} term=${m.term}`;
  switch (m.type) {
    case 'append':
      return `${head} prev=${m.prevTerm}/${m.prevIndex} commit=${m.commit}${m.entries.length > 0 ? ` entries=[${m.entries.map(entryText).join(', ')}]` : ''}`;
    case 'append-response':
      return m.reject ? `${head} rejected index=${m.index} hint=${m.hintTerm}/${m.rejectHint}` : `${head} index=${m.index}`;
    case 'heartbeat':
      return `${head} commit=${m.commit}${m.context === undefined ? '' : ` context=${m.context}`}`;
    case 'heartbeat-response':
      return `${head}${m.context === undefined ? '' : ` context=${m.context}`}`;
    case 'vote':
    case 'pre-vote':
      return `${head} last=${m.lastTerm}/${m.lastIndex}${m.transfer ? ' transfer' : ''}`;
    case 'vote-response':
    case 'pre-vote-response':
      return `${head} ${m.reject ? 'rejected' : 'granted'}`;
    case 'snapshot':
      return `${head} snapshot=${snapshotText(m.snapshot)}`;
    case 'timeout-now':
      return head;
    case 'read-index':
      return `${head} context=${m.context}`;
    case 'read-index-response':
      return `${head} context=${m.context} index=${m.index}${m.reject ? ' rejected' : ''}`;
    case 'transfer-leader':
      return `${head} transferee=${m.transferee}`;
    case 'propose':
      return `${head} entries=[${m.entries.map(entryText).join(', ')}]`;
  }
}
