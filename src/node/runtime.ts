// The running node: one tick timer drives the Raft core; each Ready is persisted (WAL, one fsync), sent,
// applied to the key-value store, and its read states served, before advance(). Also the NodeApi the
// HTTP server calls.
import { randomBytes } from 'node:crypto';
import { OperationError, UsageError } from '../cli/errors.js';
import { MemoryStorage, RaftNode, applyChange, eventMessage, isMember, isVoter, type RaftEvent, type Status } from '../raft/index.js';
import type { ConfChange, Entry, HardState, Membership, NodeId, Ready, Snapshot, SnapshotMeta, SoftState } from '../raft/types.js';
import { ApiError } from './api-error.js';
import { decodeBatch } from './codec.js';
import type { OpenDataDir } from './datadir.js';
import { HttpServer, type HealthAnswer, type NodeApi } from './http.js';
import { splitHostPort } from './host-port.js';
import { encodeCommand, KvStore } from './kv.js';
import { Logger } from './logger.js';
import { memberIds, memberList, membershipAt } from './membership.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import type { NodeConfig } from './node-config.js';
import { writeSnapshotFile } from './snapshot-file.js';
import { SnapshotReceiver, type ChunkHeaders } from './snapshot-stream.js';
import { Snapshotter } from './snapshotter.js';
import { openStorage } from './startup.js';
import { Transport } from './transport.js';
import { ProposalWaiters, ReadWaiters } from './waiters.js';
import { changeOutcome, membersJson, statusJson } from './views.js';

export interface RunningNode {
  /** This node's view, the document GET /v1/status answers. */
  status(): unknown;
  stop(signal: string): Promise<void>;
}

/** Starts a node or throws OperationError/UsageError; nothing is left running or half-made on failure. */
export async function startNode(config: NodeConfig): Promise<RunningNode> {
  let logger: Logger;
  try {
    logger = new Logger({ format: config.logFormat, ...(config.logFile !== undefined ? { file: config.logFile } : {}) }, config.nodeId);
  } catch (err) {
    throw new UsageError(`cannot open log file ${config.logFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const node = new NodeRuntime(config, logger);
  try {
    await node.start();
  } catch (err) {
    await node.abort();
    logger.close();
    throw err;
  }
  return node;
}

class NodeRuntime implements RunningNode, NodeApi {
  private readonly kv = new KvStore();
  private readonly proposals = new ProposalWaiters();
  private readonly reads = new ReadWaiters(randomBytes(4).toString('hex'));
  private readonly metrics: NodeMetrics;
  private readonly http: HttpServer;
  private transport: Transport | undefined;
  private snapshotReceiver: SnapshotReceiver | undefined;
  private snapshotter: Snapshotter | undefined;
  private dataDir: OpenDataDir | undefined;
  private raft: RaftNode | undefined;
  private storage: MemoryStorage | undefined;
  /** The newest hard state the core reported, and the one last written to the WAL. */
  private latestHardState: HardState | undefined;
  private persistedHardState: HardState | undefined;
  /** Index of the conf change membership.json reflects. */
  private membershipSavedAt = 0;
  private membership: Membership = { voters: [], learners: [] };
  /** The committed membership as of the applied index: what a snapshot records. */
  private appliedMembership: Membership = { voters: [], learners: [] };
  private soft: SoftState = { role: 'follower', leader: 0 };
  private tickTimer: NodeJS.Timeout | undefined;
  private processing: Promise<void> | undefined;
  private processAgain = false;
  private stopped = false;
  private readonly startedAt = new Date().toISOString();
  /** When `cluster mismatch` was last logged per sender (at most once per 10 s each). */
  private readonly clusterMismatchLogged = new Map<NodeId, number>();
  /** Called whenever the leader or role changes, to wake requests waiting for a leader. */
  private leaderWatchers: (() => void)[] = [];

  constructor(
    private readonly config: NodeConfig,
    private readonly logger: Logger,
  ) {
    this.metrics = createNodeMetrics({
      hasLeader: () => (this.soft.leader !== 0 ? 1 : 0),
      isLeader: () => (this.soft.role === 'leader' ? 1 : 0),
      term: () => this.raftStatus()?.term ?? 0,
      commitIndex: () => this.raftStatus()?.commit ?? 0,
      appliedIndex: () => this.kv.applied(),
      lastIndex: () => this.raftStatus()?.lastIndex ?? 0,
      proposalsPending: () => this.proposals.size,
      snapshotIndex: () => this.storage?.snapshot().meta.index ?? 0,
      walBytes: () => this.dataDir?.wal.bytes ?? 0,
    });
    this.http = new HttpServer({
      ...(config.token !== undefined ? { token: config.token } : {}),
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      api: this,
      onError: (err) => this.logger.error('request failed', { error: err.message }),
    });
  }

  private get electionTimeoutMs(): number {
    return this.config.tickMs * this.config.electionTicks;
  }

  async start(): Promise<void> {
    const { host, port } = splitHostPort(this.config.listen);
    try {
      await this.http.listen(host, port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'port in use' : code === 'EADDRNOTAVAIL' ? 'address not available on this host' : (err as Error).message;
      throw new OperationError(`cannot listen on ${this.config.listen}: ${reason}`, code === 'EADDRINUSE' ? 'another process holds the port; stop it or choose another --listen' : undefined);
    }
    this.config.tls?.watch(this.logger);
    const heartbeatMs = this.config.tickMs * this.config.heartbeatTicks;
    const { dataDir, fresh } = await openStorage(this.config, this.logger, {
      segmentBytes: this.config.walSegmentBytes,
      onFsync: (durationMs, entries) => {
        this.metrics.walFsync.observe(durationMs / 1000);
        if (durationMs > heartbeatMs) this.logger.warn('wal fsync slow', { duration: Math.round(durationMs), entries });
      },
    });
    this.dataDir = dataDir;
    this.snapshotter = new Snapshotter(this.config.dataDir, this.config, this.logger, () => this.scheduleProcess());
    this.snapshotReceiver = new SnapshotReceiver(this.config.dataDir, (message) => {
      this.logger.info('snapshot received', { peer: message.from, index: message.snapshot.meta.index, bytes: message.snapshot.data.length });
      this.raft?.step(message);
      this.scheduleProcess();
    });
    const { entries, hardState: persisted } = dataDir.contents;
    const snapshot = dataDir.snapshot;
    // The commit index is written lazily (see persist), but never trails the snapshot it produced.
    const hardState = { ...persisted, commit: Math.max(persisted.commit, snapshot?.meta.index ?? 0) };

    this.logger.context.term = hardState.term;
    this.persistedHardState = persisted;
    this.membershipSavedAt = membershipAt(entries, hardState.commit, snapshot?.meta).index;
    // The core uses the newest membership in the log: the snapshot's, folded with every change after it.
    this.membership = membershipAt(entries, Number.MAX_SAFE_INTEGER, snapshot?.meta).membership;
    this.appliedMembership = snapshot?.meta.membership ?? { voters: [], learners: [] };
    this.transport = new Transport({
      selfId: this.config.nodeId,
      selfAddr: this.config.advertise,
      cluster: this.config.cluster,
      ...(this.config.token !== undefined ? { token: this.config.token } : {}),
      ...(this.config.tls !== undefined ? { tls: this.config.tls } : {}),
      logger: this.logger,
      metrics: this.metrics,
      requestTimeoutMs: Math.max(heartbeatMs * 3, 2000),
      dataDir: this.config.dataDir,
      onSnapshotFailed: (to) => {
        this.raft?.reportSnapshot(to, false);
        this.scheduleProcess();
      },
    });
    this.learnAddresses();

    const last = entries.at(-1);
    this.logger.info('node starting', {
      listen: this.config.listen,
      data_dir: this.config.dataDir,
      voters: memberIds(this.membership.voters),
      learners: memberIds(this.membership.learners),
      commit: hardState.commit,
      applied: this.kv.applied(),
      last_index: last?.index ?? snapshot?.meta.index ?? 0,
      snapshot_index: snapshot?.meta.index ?? 0,
      fresh,
    });
    if (fresh && !this.config.join) {
      this.logger.info('bootstrapped membership', { voters: memberIds(this.membership.voters), members: memberList(this.membership.voters) });
    } else if (!fresh) {
      this.checkPeers();
    }
    if (!this.isMember(this.config.nodeId)) this.logger.info('waiting to be added', { listen: this.config.listen });

    const storage = new MemoryStorage();
    this.storage = storage;
    if (snapshot !== undefined) {
      storage.applySnapshot(snapshot);
      this.kv.restore(snapshot.data, snapshot.meta.index);
    }
    storage.append(entries);
    storage.setHardState(hardState);
    this.raft = new RaftNode(
      {
        id: this.config.nodeId,
        electionTicks: this.config.electionTicks,
        heartbeatTicks: this.config.heartbeatTicks,
        random: Math.random,
        logger: (event) => this.logEvent(event),
      },
      storage,
    );

    this.tickTimer = setInterval(() => this.onTick(), this.config.tickMs);
    this.scheduleProcess();
  }

  /** Restart with other --peers than the persisted membership: the disk wins, the operator is told. */
  private checkPeers(): void {
    if (this.config.join || this.config.peers.length === 0) return;
    const given = [{ id: this.config.nodeId, addr: this.config.advertise }, ...this.config.peers].sort((a, b) => a.id - b.id);
    const persisted = this.membership.voters;
    if (memberList(given) !== memberList(persisted)) {
      this.logger.warn('peers differ from persisted membership', { given: memberList(given), persisted: memberList(persisted) });
    }
  }

  private isMember(id: NodeId): boolean {
    return isMember(this.membership, id);
  }

  /** The core's membership (newest in the log, as Raft uses it) drives the address book. */
  private refreshMembership(): void {
    if (this.raft === undefined) return;
    this.membership = this.raft.status().membership;
    this.learnAddresses();
  }

  private learnAddresses(): void {
    for (const member of [...this.membership.voters, ...this.membership.learners]) this.transport?.setAddress(member.id, member.addr);
  }

  private raftStatus(): Status | undefined {
    return this.raft?.status();
  }

  /**
   * Writes entries and the hard state with one fdatasync, but only when something must be durable before
   * messages go out: new entries, or a new term or vote. A commit-only change needs no fsync (a restarted
   * node relearns its commit index from the leader), so it rides along with the next write instead.
   */
  private async persist(entries: readonly Entry[], snapshotMark: SnapshotMeta | undefined): Promise<void> {
    const hardState = this.latestHardState;
    const persisted = this.persistedHardState;
    const termOrVoteChanged = hardState !== undefined && (hardState.term !== persisted?.term || hardState.vote !== persisted.vote);
    if (entries.length === 0 && snapshotMark === undefined && !termOrVoteChanged) return;
    await this.dataDir?.wal.append(entries, hardState, snapshotMark);
    this.persistedHardState = hardState;
  }

  private logEvent(event: RaftEvent): void {
    const { level, msg, fields } = eventMessage(event);
    this.logger.context.term = event.term;
    this.logger.write(level, msg, fields);
  }

  private onTick(): void {
    if (this.stopped || this.raft === undefined) return;
    this.raft.tick();
    const retry = this.reads.sweep(Date.now(), this.electionTimeoutMs, () => this.noLeaderError());
    for (const context of retry) this.raft.readIndex(context);
    this.scheduleProcess();
  }

  private scheduleProcess(): void {
    if (this.processing !== undefined) {
      this.processAgain = true;
      return;
    }
    this.processing = this.processReadies()
      .catch((err: unknown) => this.fatal(err as Error))
      .finally(() => {
        this.processing = undefined;
        if (this.processAgain && !this.stopped) {
          this.processAgain = false;
          this.scheduleProcess();
        }
      });
  }

  private async processReadies(): Promise<void> {
    const raft = this.raft;
    const dataDir = this.dataDir;
    const storage = this.storage;
    if (raft === undefined || dataDir === undefined || storage === undefined) return;
    while (!this.stopped && raft.hasReady()) {
      const ready = raft.ready();
      const sendEarly = mayPrecedeWalWrite(ready, this.soft, this.persistedHardState);
      if (ready.hardState !== undefined) {
        this.logger.context.term = ready.hardState.term;
        this.latestHardState = ready.hardState;
      }
      // A snapshot from the leader: its file first, then the WAL mark that makes the log continue after it.
      // A streamed snapshot is already on disk, verified: renaming it is enough.
      if (ready.snapshot !== undefined && this.snapshotReceiver?.adopt(ready.snapshot) !== true) writeSnapshotFile(this.config.dataDir, ready.snapshot);
      if (sendEarly) this.transport?.send(ready.messages);
      // Committed entries already on disk (and not being replaced by this batch) are applied while it is written.
      const stableLast = ready.snapshot === undefined ? Math.min(storage.lastIndex(), (ready.entries[0]?.index ?? Infinity) - 1) : 0;
      const applyNow = ready.committedEntries.filter((entry) => entry.index <= stableLast);
      this.applyEntries(applyNow);
      await this.persist(ready.entries, ready.snapshot?.meta);
      if (ready.snapshot !== undefined) this.installSnapshot(storage, ready.snapshot);
      // Mirror into the core's storage only once durable: the core reads stable entries from there.
      storage.append(ready.entries);
      if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
      if (ready.entries.some((entry) => entry.type === 'conf-change')) this.refreshMembership();
      if (!sendEarly) this.transport?.send(ready.messages);
      this.applyEntries(ready.committedEntries.slice(applyNow.length));
      for (const state of ready.readStates) this.reads.confirmed(state.context, state.index, this.kv.applied());
      if (ready.softState !== undefined) this.onSoftState(ready.softState);
      raft.advance(ready);
      this.maybeSnapshot(storage, dataDir);
    }
    // The snapshot being written may have moved on without a Ready: rename it into place, or finish it.
    if (!this.stopped) this.maybeSnapshot(storage, dataDir);
  }

  private installSnapshot(storage: MemoryStorage, snapshot: Snapshot): void {
    storage.applySnapshot(snapshot);
    this.kv.restore(snapshot.data, snapshot.meta.index);
    this.appliedMembership = snapshot.meta.membership;
    this.refreshMembership();
    this.membershipSavedAt = snapshot.meta.index;
    this.dataDir?.saveMembership(snapshot.meta.membership, snapshot.meta.index);
    this.logger.info('snapshot installed', { index: snapshot.meta.index, snapshot_term: snapshot.meta.term, bytes: snapshot.data.length });
    this.reads.serve(this.kv.applied());
  }

  /** Advances the snapshot being written in the background, or starts one when due (src/node/snapshotter.ts). */
  private maybeSnapshot(storage: MemoryStorage, dataDir: OpenDataDir): void {
    this.snapshotter?.step(storage, dataDir.wal, this.kv, this.appliedMembership);
  }

  private onSoftState(soft: SoftState): void {
    if (soft.leader !== this.soft.leader && soft.leader !== 0) this.metrics.leaderChanges.inc();
    this.soft = soft;
    const watchers = this.leaderWatchers;
    this.leaderWatchers = [];
    for (const wake of watchers) wake();
  }

  private applyEntries(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.type === 'normal') {
        this.kv.apply(entry.index, entry.data);
      } else {
        this.kv.apply(entry.index, undefined);
        this.appliedMembership = applyChange(this.appliedMembership, entry.change);
        this.applyConfChange(entry.index);
      }
      this.proposals.applied(entry.index, entry.term, (ok) => (ok ? this.metrics.proposalsCommitted : this.metrics.proposalsFailed).inc());
    }
    this.reads.serve(this.kv.applied());
  }

  /** Keeps membership.json (the readable checkpoint of the committed membership) current; the core logs the change. */
  private applyConfChange(index: number): void {
    this.refreshMembership();
    if (index <= this.membershipSavedAt || this.dataDir === undefined) return;
    this.membershipSavedAt = index;
    this.dataDir.saveMembership(this.appliedMembership, index);
  }

  /** Storage failed under a running node (disk full, I/O error): nothing more can be made durable, so stop. */
  private fatal(err: Error): void {
    if (this.stopped) return;
    this.logger.error('storage failed', { error: err.message });
    // Waiting requests learn why: their entries may not be durable here, so none of them is acknowledged.
    // A leader sends entries before its own write, so the followers may still commit them without it.
    const others = this.membership.voters.some((member) => member.id !== this.config.nodeId);
    const failed = new ApiError('UNAVAILABLE', `storage failed: ${err.message}${others ? '; a write in flight may still commit on the other members' : ''}`);
    this.proposals.failAll(failed);
    this.reads.failAll(failed);
    process.exitCode = 1;
    void this.stop('storage-failure').then(() => process.exit(1));
  }

  async abort(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    await this.snapshotter?.close();
    await this.http.close().catch(() => undefined);
    await this.transport?.close();
    await this.dataDir?.close();
  }

  async stop(signal: string): Promise<void> {
    if (this.stopped) return;
    this.logger.info('stopping', { signal });
    this.stopped = true;
    if (this.tickTimer !== undefined) clearInterval(this.tickTimer);
    const stopping = new ApiError('UNAVAILABLE', 'the node is stopping');
    this.proposals.failAll(stopping);
    this.reads.failAll(stopping);
    await this.processing; // let the Ready being persisted reach the disk
    await this.snapshotter?.close();
    // Record the final commit index so a restart replays everything this node had applied.
    if (this.latestHardState !== undefined && this.latestHardState !== this.persistedHardState) {
      await this.dataDir?.wal.append([], this.latestHardState).catch((err: Error) => this.logger.error('storage failed', { error: err.message }));
    }
    await this.http.close();
    await this.transport?.close();
    this.snapshotReceiver?.close();
    await this.dataDir?.close();
    this.logger.close();
  }

  // ---- NodeApi ----

  private noLeaderError(): ApiError {
    return new ApiError('NO_LEADER', 'no leader is known').withCluster(undefined, memberIds(this.membership.voters));
  }

  decorate(error: ApiError): ApiError {
    return error.withCluster(error.leader ?? this.soft.leader, error.voters ?? memberIds(this.membership.voters));
  }

  private waitForLeaderChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.leaderWatchers.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async routeToLeader(timeoutMs: number): Promise<'self' | string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.stopped) throw new ApiError('UNAVAILABLE', 'the node is stopping');
      if (this.soft.role === 'leader') return 'self';
      const addr = this.soft.leader !== 0 ? this.transport?.addressOf(this.soft.leader) : undefined;
      if (addr !== undefined) return addr;
      const left = deadline - Date.now();
      if (left <= 0) throw this.noLeaderError();
      await this.waitForLeaderChange(left);
    }
  }

  status(): unknown {
    const snapshotIndex = this.storage?.snapshot().meta.index ?? 0;
    return statusJson(this.config, this.requireRaft().status(), this.soft, this.membership, this.kv.applied(), snapshotIndex, this.dataDir?.wal.bytes ?? 0, this.startedAt);
  }

  members(): unknown {
    return membersJson(this.membership, this.soft.leader, this.requireRaft().status());
  }

  health(): HealthAnswer {
    const raft = this.raft;
    if (raft === undefined || this.stopped) return { ok: false, reason: 'stopping' };
    if (!this.isMember(this.config.nodeId)) return { ok: false, reason: 'not a member yet' };
    if (this.soft.leader === 0) return { ok: false, reason: 'no leader' };
    if (!raft.hasActiveQuorum()) return { ok: false, reason: this.soft.role === 'leader' ? 'leader lost its quorum' : 'leader not heard from recently' };
    return { ok: true, leader: this.soft.leader, term: raft.status().term };
  }

  metricsText(): string {
    return this.metrics.registry.render();
  }

  /** Refuses traffic from another cluster (logged once per 10 s per sender); learns a non-member sender's address. */
  private admitPeer(from: NodeId, fromAddr: string, cluster: string): void {
    if (cluster !== this.config.cluster) {
      const now = Date.now();
      if (now - (this.clusterMismatchLogged.get(from) ?? 0) >= 10_000) {
        this.clusterMismatchLogged.set(from, now);
        this.logger.warn('cluster mismatch', { peer: from, addr: fromAddr, cluster, expected: this.config.cluster });
      }
      throw new Error(`message from cluster "${cluster}", this node is in cluster "${this.config.cluster}"`);
    }
    // A joining node knows nobody yet: it answers the leader at the address the leader sent.
    if (!this.isMember(from)) this.transport?.setAddress(from, fromAddr);
  }

  receiveSnapshotChunk(headers: ChunkHeaders, body: Uint8Array): { status: 200 | 409; offset: number; done: boolean } {
    const receiver = this.snapshotReceiver;
    this.requireRaft();
    if (receiver === undefined) throw new ApiError('UNAVAILABLE', 'the node is not running');
    try {
      this.admitPeer(headers.from, headers.fromAddr, headers.cluster);
      this.metrics.peerReceivedBytes.inc(body.length, { peer: String(headers.from) });
      return receiver.receive(headers, body, this.config.nodeId);
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError('BAD_REQUEST', `snapshot chunk refused: ${(err as Error).message}`);
    }
  }

  admitStream(from: NodeId, fromAddr: string, cluster: string): void {
    this.requireRaft();
    this.admitPeer(from, fromAddr, cluster);
  }

  receiveMessages(body: Uint8Array): void {
    const batch = decodeBatch(body);
    this.admitPeer(batch.from, batch.fromAddr, batch.cluster);
    this.metrics.peerReceivedBytes.inc(body.length, { peer: String(batch.from) });
    const raft = this.requireRaft();
    for (const message of batch.messages) raft.step(message);
    this.scheduleProcess();
  }

  private requireRaft(): RaftNode {
    if (this.raft === undefined || this.stopped) throw new ApiError('UNAVAILABLE', 'the node is not running');
    return this.raft;
  }

  /** Waits for an entry the core accepted to be applied here; waiters are registered before the Ready runs. */
  private async awaitApplied(index: number, term: number, timeoutMs: number): Promise<void> {
    const applied = this.proposals.wait(index, term, timeoutMs, () => this.metrics.proposalsFailed.inc());
    this.scheduleProcess();
    await applied;
  }

  private dropped(reason: string, leader: NodeId): ApiError {
    this.metrics.proposalsFailed.inc();
    const code = reason === 'no-leader' || reason === 'not-leader' ? 'NO_LEADER' : reason === 'conf-change-pending' ? 'CHANGE_IN_PROGRESS' : reason === 'transferring' ? 'UNAVAILABLE' : 'REJECTED';
    return new ApiError(code, `request dropped: ${reason}`).withCluster(leader, undefined);
  }

  async propose(key: string, value: string, timeoutMs: number): Promise<unknown> {
    const result = this.requireRaft().propose(encodeCommand({ op: 'put', key, value }));
    if (!result.ok) throw this.dropped(result.reason, result.leader);
    await this.awaitApplied(result.index, result.term, timeoutMs);
    return { key, index: result.index, term: result.term, leader: this.config.nodeId };
  }

  async read(key: string, stale: boolean, timeoutMs: number): Promise<unknown> {
    let index: number;
    if (stale) {
      index = this.kv.applied();
    } else {
      const raft = this.requireRaft();
      const { context, done } = this.reads.add(timeoutMs, Date.now());
      // Without a leader the request is retried from the tick loop until the deadline.
      raft.readIndex(context);
      this.scheduleProcess();
      index = await done;
    }
    const found = this.kv.get(key);
    if (found === undefined) throw new ApiError('NOT_FOUND', `key "${key}" does not exist`);
    return { key, value: found.value, index };
  }

  async changeMembership(change: ConfChange, timeoutMs: number): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const raft = this.requireRaft();
      const outcome = changeOutcome(this.membership, change, raft.status().pendingConfChange);
      if (outcome === 'no-op') return { index: this.kv.applied(), voters: this.membership.voters, learners: this.membership.learners };
      if (outcome instanceof ApiError) throw outcome;
      const result = raft.proposeConfChange(change);
      if (result.ok) {
        await this.awaitApplied(result.index, result.term, Math.max(1, deadline - Date.now()));
        return { index: result.index, voters: this.membership.voters, learners: this.membership.learners };
      }
      // A new leader accepts changes only once its first entry commits: that takes a moment, not an operator.
      const newLeaderSettling = result.reason === 'conf-change-pending' && !raft.status().pendingConfChange;
      if (!newLeaderSettling || Date.now() + this.config.tickMs > deadline) throw this.dropped(result.detail ?? result.reason, result.leader);
      await new Promise((resolve) => setTimeout(resolve, this.config.tickMs));
    }
  }

  async transferLeader(id: number, timeoutMs: number): Promise<unknown> {
    const raft = this.requireRaft();
    if (!isVoter(this.membership, id)) throw new ApiError('REJECTED', `node ${id} is not a voter`);
    const deadline = Date.now() + timeoutMs;
    if (this.soft.leader !== id) {
      const result = raft.transferLeader(id);
      if (!result.ok) throw this.dropped(result.reason, result.leader);
      this.scheduleProcess();
    }
    while (this.soft.leader !== id) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ApiError('TIMEOUT', `node ${id} did not take over within ${timeoutMs} ms`);
      await this.waitForLeaderChange(left);
    }
    return { leader: id, term: raft.status().term };
  }
}

/**
 * Whether a Ready's messages may go out before its WAL write. Only a leader's, and only when the Ready changes
 * neither term nor vote nor installs a snapshot: then the messages (appends, heartbeats) depend on nothing
 * this write makes durable except the new entries, and the core counts the leader's own copy of those toward
 * the commit quorum only after advance(). Everything else keeps the rule: persist, then send.
 */
function mayPrecedeWalWrite(ready: Ready, soft: SoftState, persisted: HardState | undefined): boolean {
  if ((ready.softState ?? soft).role !== 'leader' || ready.snapshot !== undefined) return false;
  const hard = ready.hardState;
  return hard === undefined || (persisted !== undefined && hard.term === persisted.term && hard.vote === persisted.vote);
}
