// The service behind the HTTP API: routing writes to the leader, admitting peers, the propose / read /
// membership / transfer loops that wait on the log, and the views (status, members, health, metrics).
// Everything it needs is handed in, clock included, so it runs in process over any driver and network.
import type { RaftNode } from '../raft/index.js';
import { isMember, isVoter } from '../raft/index.js';
import type { ConfChange, Entry, Membership, NodeId, ReadState, SoftState } from '../raft/types.js';
import type { KvValue, MembersView, MembershipChangeResult, NodeStatus, ProposeResult, TransferResult } from '../shared/http-api.js';
import { ApiError } from './api-error.js';
import { decodeBatch } from './codec.js';
import type { HealthAnswer, NodeApi } from './http.js';
import { encodeCommand, requestKey, requestKeyOf, type RequestId } from './kv.js';
import type { KvStateMachine } from './kv-machine.js';
import type { Logger } from './logger.js';
import { memberIds } from './membership.js';
import type { NodeMetrics } from './metrics.js';
import type { NodeConfig } from './node-config.js';
import type { ChunkHeaders } from './snapshot-stream.js';
import { positionIdentity, ProposalWaiters, ReadWaiters, type AppliedAt } from './waiters.js';
import { changeOutcome, membersJson, statusJson } from './views.js';
import { ClusterIdMismatchError, type ClusterIdentity } from './cluster-id.js';
import type { Divergence } from '../shared/http-api.js';

/** Wall-clock time and one-shot timers; tests may hand in their own. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer),
};

/** Where peers are: the transport's address book. */
export interface PeerDirectory {
  addressOf(id: NodeId): string | undefined;
  setAddress(id: NodeId, addr: string): void;
}

export interface SnapshotChunkReceiver {
  receive(headers: ChunkHeaders, body: Uint8Array, selfId: NodeId): { status: 200 | 409; offset: number; done: boolean };
}

/** What the service is built with: it answers (not running) from the moment the HTTP server listens. */
export interface NodeServiceParts {
  config: NodeConfig;
  metrics: NodeMetrics;
  logger: Logger;
  clock: Clock;
  /** Distinguishes this life's read contexts from an earlier one's (random per start). */
  readContextPrefix: string;
  /** Distinguishes this life's write request ids from an earlier one's (random per start, below 2^32). */
  requestBoot: number;
  startedAt: string;
}

/** What the service serves from, once the node's storage is open and its core runs. */
export interface NodeCore {
  raft: RaftNode;
  /** Handles what the core produced after an input (the Ready driver's process()). */
  process: () => void;
  machine: KvStateMachine;
  peers: PeerDirectory;
  snapshots: SnapshotChunkReceiver;
  /** The index of the newest snapshot in the core's storage, and the WAL's size, for the views. */
  snapshotIndex: () => number;
  walBytes: () => number;
  /** The membership the node starts with (newest in its log). */
  membership: Membership;
  /** The cluster ID every peer request is checked against (src/node/cluster-id.ts). */
  identity: ClusterIdentity;
}

export class NodeService implements NodeApi {
  private readonly proposals = new ProposalWaiters();
  /** Counts this life's writes: with the node id and requestBoot, the request id carried in each entry. */
  private requestSeq = 0;
  private readonly reads: ReadWaiters;
  private core: NodeCore | undefined;
  /** The core's membership (newest in the log, as Raft uses it): drives the address book and the views. */
  private membershipNow: Membership = { voters: [], learners: [] };
  private soft: SoftState = { role: 'follower', leader: 0 };
  private stopped = false;
  /** Peers whose appends would overwrite a committed entry here: none of their messages is stepped again. */
  private readonly divergedPeers = new Set<NodeId>();
  /** The first such conflict, for /v1/status and /health. */
  private divergence: Divergence | undefined;
  /** Called whenever the leader or role changes, to wake requests waiting for a leader. */
  private leaderWatchers: (() => void)[] = [];

  constructor(private readonly parts: NodeServiceParts) {
    this.reads = new ReadWaiters(parts.readContextPrefix);
  }

  /** The node's core runs: from now on requests are served. */
  attach(core: NodeCore): void {
    this.core = core;
    this.membershipNow = core.membership;
  }

  get membership(): Membership {
    return this.membershipNow;
  }

  get softState(): SoftState {
    return this.soft;
  }

  get proposalsPending(): number {
    return this.proposals.size;
  }

  private get config(): NodeConfig {
    return this.parts.config;
  }

  private get electionTimeoutMs(): number {
    return this.config.tickMs * this.config.electionTicks;
  }

  // ---- what the driver and the tick loop tell the service ----

  /** The core refused an append that would overwrite a committed entry: that peer is not heard again. */
  committedEntryConflict(peer: NodeId, index: number, localTerm: number, leaderTerm: number): void {
    this.divergedPeers.add(peer);
    this.divergence ??= { peer, index, localTerm, leaderTerm, at: new Date(this.parts.clock.now()).toISOString() };
  }

  /** The core's membership changed (a conf change appended or applied, a snapshot installed). */
  refreshMembership(): void {
    const core = this.core;
    if (core === undefined) return;
    this.membershipNow = core.raft.status().membership;
    for (const member of [...this.membershipNow.voters, ...this.membershipNow.learners]) core.peers.setAddress(member.id, member.addr);
  }

  /** Entries were applied to the state machine: resolve the proposals waiting on them, serve reads. */
  applied(entries: readonly Entry[]): void {
    const { metrics } = this.parts;
    const onResult = (ok: boolean): void => (ok ? metrics.proposalsCommitted : metrics.proposalsFailed).inc();
    for (const entry of entries) {
      if (entry.type === 'conf-change') this.refreshMembership();
      if (this.proposals.size === 0) continue; // nobody here waits: no request id to read
      const identity = (entry.type === 'normal' ? requestKeyOf(entry.data) : undefined) ?? positionIdentity(entry.index, entry.term);
      this.proposals.applied(entry.index, entry.term, identity, onResult);
    }
    this.reads.serve(this.appliedIndex());
  }

  restored(): void {
    this.refreshMembership();
    this.reads.serve(this.appliedIndex());
  }

  readStates(states: readonly ReadState[]): void {
    for (const state of states) this.reads.confirmed(state.context, state.index, this.appliedIndex());
  }

  private appliedIndex(): number {
    return this.core?.machine.applied() ?? 0;
  }

  softStateChanged(soft: SoftState): void {
    if (soft.leader !== this.soft.leader && soft.leader !== 0) this.parts.metrics.leaderChanges.inc();
    this.soft = soft;
    const watchers = this.leaderWatchers;
    this.leaderWatchers = [];
    for (const wake of watchers) wake();
  }

  /** One tick: expire overdue reads, ask again for those no leader confirmed yet. */
  tick(): void {
    const retry = this.reads.sweep(this.parts.clock.now(), this.electionTimeoutMs, () => this.noLeaderError());
    for (const context of retry) this.core?.raft.readIndex(context);
  }

  /** No more requests are served; those waiting fail with `error`. */
  stop(error: ApiError): void {
    this.stopped = true;
    this.failAll(error);
  }

  failAll(error: ApiError): void {
    this.proposals.failAll(error);
    this.reads.failAll(error);
  }

  // ---- NodeApi ----

  private noLeaderError(): ApiError {
    return new ApiError('NO_LEADER', 'no leader is known').withCluster(undefined, memberIds(this.membershipNow.voters));
  }

  decorate(error: ApiError): ApiError {
    // The core's leader: the soft state the driver reports lags it by a write, and writes no longer wait for it.
    const leader = this.core?.raft.leader ?? this.soft.leader;
    return error.withCluster(error.leader ?? leader, error.voters ?? memberIds(this.membershipNow.voters));
  }

  private waitForLeaderChange(timeoutMs: number): Promise<void> {
    const { clock } = this.parts;
    return new Promise((resolve) => {
      const timer = clock.setTimeout(resolve, timeoutMs);
      this.leaderWatchers.push(() => {
        clock.clearTimeout(timer);
        resolve();
      });
    });
  }

  async routeToLeader(timeoutMs: number): Promise<'self' | string> {
    const { clock } = this.parts;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      if (this.stopped) throw new ApiError('UNAVAILABLE', 'the node is stopping');
      if (this.soft.role === 'leader') return 'self';
      const addr = this.soft.leader !== 0 ? this.core?.peers.addressOf(this.soft.leader) : undefined;
      if (addr !== undefined) return addr;
      const left = deadline - clock.now();
      if (left <= 0) throw this.noLeaderError();
      await this.waitForLeaderChange(left);
    }
  }

  status(): NodeStatus {
    const core = this.requireCore();
    return statusJson(this.config, core.identity.id, this.divergence, core.raft.status(), this.soft, this.membershipNow, core.machine.applied(), core.snapshotIndex(), core.walBytes(), this.parts.startedAt);
  }

  members(): MembersView {
    return membersJson(this.membershipNow, this.soft.leader, this.requireCore().raft.status());
  }

  health(): HealthAnswer {
    const raft = this.core?.raft;
    if (raft === undefined || this.stopped) return { ok: false, reason: 'stopping' };
    if (!isMember(this.membershipNow, this.config.nodeId)) return { ok: false, reason: 'not a member yet' };
    const d = this.divergence;
    if (d !== undefined) {
      return { ok: false, reason: `node ${d.peer} asked to overwrite committed index ${d.index} (term ${d.localTerm} here, ${d.leaderTerm} there): its messages are refused` };
    }
    if (this.soft.leader === 0) return { ok: false, reason: 'no leader' };
    if (!raft.hasActiveQuorum()) return { ok: false, reason: this.soft.role === 'leader' ? 'leader lost its quorum' : 'leader not heard from recently' };
    return { ok: true, leader: this.soft.leader, term: raft.status().term };
  }

  metricsText(): Promise<string> {
    return this.parts.metrics.registry.metrics();
  }

  /** Refuses traffic from another cluster (src/node/cluster-id.ts); learns a non-member sender's address. */
  private admitPeer(from: NodeId, fromAddr: string, clusterId: string): void {
    try {
      this.requireCore().identity.admit(from, fromAddr, clusterId);
    } catch (err) {
      throw err instanceof ClusterIdMismatchError ? new ApiError('CLUSTER_ID_MISMATCH', err.message) : err;
    }
    this.learnSender(from, fromAddr);
  }

  private learnSender(from: NodeId, fromAddr: string): void {
    // A joining node knows nobody yet: it answers the leader at the address the leader sent.
    if (!isMember(this.membershipNow, from)) this.core?.peers.setAddress(from, fromAddr);
  }

  /** This node's cluster ID ('' while a joining node has none), sent with the writes it forwards. */
  clusterId(): string {
    return this.core?.identity.id ?? '';
  }

  admitForwarded(clusterId: string): void {
    const own = this.core?.identity.id;
    if (own !== undefined && clusterId !== own) {
      this.parts.metrics.peerRefused.inc({ reason: 'cluster-id' });
      throw new ApiError('CLUSTER_ID_MISMATCH', `forwarded write from cluster ${clusterId || '(none)'} refused: this node is in cluster ${own}`);
    }
  }

  receiveSnapshotChunk(headers: ChunkHeaders, body: Uint8Array): { status: 200 | 409; offset: number; done: boolean } {
    const core = this.requireCore();
    try {
      // Chunks come only from a leader, so a joining node may adopt the ID they carry.
      if (!core.identity.admitBatch(headers.from, headers.fromAddr, headers.clusterId, true)) throw new Error('no cluster ID');
      this.learnSender(headers.from, headers.fromAddr);
      this.parts.metrics.peerReceivedBytes.inc({ peer: String(headers.from) }, body.length);
      return core.snapshots.receive(headers, body, this.config.nodeId);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      if (err instanceof ClusterIdMismatchError) throw new ApiError('CLUSTER_ID_MISMATCH', err.message);
      throw new ApiError('BAD_REQUEST', `snapshot chunk refused: ${(err as Error).message}`);
    }
  }

  admitStream(from: NodeId, fromAddr: string, clusterId: string): void {
    this.requireCore();
    this.admitPeer(from, fromAddr, clusterId);
  }

  receiveMessages(body: Uint8Array): void {
    const batch = decodeBatch(body);
    const core = this.requireCore();
    const fromLeader = batch.messages.some((m) => m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot');
    if (!core.identity.admitBatch(batch.from, batch.fromAddr, batch.clusterId, fromLeader)) return;
    this.learnSender(batch.from, batch.fromAddr);
    this.parts.metrics.peerReceivedBytes.inc({ peer: String(batch.from) }, body.length);
    for (const message of batch.messages) {
      if (this.divergedPeers.has(batch.from)) {
        this.parts.metrics.peerRefused.inc({ reason: 'diverged' });
        break;
      }
      core.raft.step(message);
    }
    core.process();
  }

  private requireCore(): NodeCore {
    if (this.core === undefined || this.stopped) throw new ApiError('UNAVAILABLE', 'the node is not running');
    return this.core;
  }

  private requireRaft(): RaftNode {
    return this.requireCore().raft;
  }

  /**
   * Waits for the entry carrying `identity` to be applied here (appended here at `index`, or handed to the
   * leader when index is undefined); waiters are registered before the Ready runs.
   */
  private async awaitApplied(identity: string, index: number | undefined, timeoutMs: number): Promise<AppliedAt> {
    const applied = this.proposals.wait(identity, index, timeoutMs, () => this.parts.metrics.proposalsFailed.inc());
    this.core?.process();
    return applied;
  }

  private dropped(reason: string, leader: NodeId): ApiError {
    this.parts.metrics.proposalsFailed.inc();
    const code = reason === 'no-leader' || reason === 'not-leader' ? 'NO_LEADER' : reason === 'conf-change-pending' ? 'CHANGE_IN_PROGRESS' : reason === 'transferring' ? 'UNAVAILABLE' : 'REJECTED';
    return new ApiError(code, `request dropped: ${reason}`).withCluster(leader, undefined);
  }

  /**
   * Any member takes a write: a leader appends it, a follower hands it to its leader over the peer stream
   * (the core's 'propose' message). Either way the client is answered when this node applies the entry
   * carrying the write's request id, so the answer is always for this client's own write.
   */
  async propose(key: string, value: string, timeoutMs: number): Promise<ProposeResult> {
    const request: RequestId = { node: this.config.nodeId, boot: this.parts.requestBoot, seq: ++this.requestSeq };
    const result = this.requireRaft().propose(encodeCommand({ op: 'put', key, value, request }));
    if (!result.ok) throw this.dropped(result.reason, result.leader);
    const at = await this.awaitApplied(requestKey(request), result.forwarded ? undefined : result.index, timeoutMs);
    return { key, index: at.index, term: at.term, leader: result.forwarded ? result.leader : this.config.nodeId };
  }

  async read(key: string, stale: boolean, timeoutMs: number): Promise<KvValue> {
    let index: number;
    if (stale) {
      index = this.appliedIndex();
    } else {
      const { raft, process } = this.requireCore();
      const { context, done } = this.reads.add(timeoutMs, this.parts.clock.now());
      // Without a leader the request is retried from the tick loop until the deadline.
      raft.readIndex(context);
      process();
      index = await done;
    }
    const found = this.core?.machine.kv.get(key);
    if (found === undefined) throw new ApiError('NOT_FOUND', `key "${key}" does not exist`);
    return { key, value: found.value, index };
  }

  async changeMembership(change: ConfChange, timeoutMs: number): Promise<MembershipChangeResult> {
    const { clock } = this.parts;
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const raft = this.requireRaft();
      const outcome = changeOutcome(this.membershipNow, change, raft.status().pendingConfChange);
      if (outcome === 'no-op') return { index: this.appliedIndex(), voters: this.membershipNow.voters, learners: this.membershipNow.learners };
      if (outcome instanceof ApiError) throw outcome;
      const result = raft.proposeConfChange(change);
      if (result.ok) {
        await this.awaitApplied(positionIdentity(result.index, result.term), result.index, Math.max(1, deadline - clock.now()));
        return { index: result.index, voters: this.membershipNow.voters, learners: this.membershipNow.learners };
      }
      // A new leader accepts changes only once its first entry commits: that takes a moment, not an operator.
      const newLeaderSettling = result.reason === 'conf-change-pending' && !raft.status().pendingConfChange;
      if (!newLeaderSettling || clock.now() + this.config.tickMs > deadline) throw this.dropped(result.detail ?? result.reason, result.leader);
      await new Promise((resolve) => clock.setTimeout(() => resolve(undefined), this.config.tickMs));
    }
  }

  async transferLeader(id: number, timeoutMs: number): Promise<TransferResult> {
    const raft = this.requireRaft();
    if (!isVoter(this.membershipNow, id)) throw new ApiError('REJECTED', `node ${id} is not a voter`);
    const deadline = this.parts.clock.now() + timeoutMs;
    if (this.soft.leader !== id) {
      const result = raft.transferLeader(id);
      if (!result.ok) throw this.dropped(result.reason, result.leader);
      this.core?.process();
    }
    while (this.soft.leader !== id) {
      const left = deadline - this.parts.clock.now();
      if (left <= 0) throw new ApiError('TIMEOUT', `node ${id} did not take over within ${timeoutMs} ms`);
      await this.waitForLeaderChange(left);
    }
    return { leader: id, term: raft.status().term };
  }
}
