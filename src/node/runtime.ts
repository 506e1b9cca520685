// The running node, wired and run: opens the data dir, builds the core and its collaborators (the Ready
// driver over the WAL, the transport and the key-value state machine; the service behind the HTTP API),
// drives the tick loop, and stops cleanly or on a storage failure. Every part is in its own module.
import { randomBytes } from 'node:crypto';
import { OperationError, UsageError } from '../shared/errors.js';
import { MemoryStorage, RaftNode, isMember, type RaftEvent } from '../raft/index.js';
import type { NodeStatus } from '../shared/http-api.js';
import { eventRecord } from '../shared/log-catalogue.js';
import { ApiError } from './api-error.js';
import type { OpenDataDir } from './datadir.js';
import { HttpServer } from './http.js';
import { splitHostPort } from './host-port.js';
import { KvStateMachine } from './kv-machine.js';
import { Logger } from './logger.js';
import { memberIds, memberList, membershipAt } from './membership.js';
import { createNodeMetrics, type NodeMetrics } from './metrics.js';
import type { NodeConfig } from './node-config.js';
import { NodeService, systemClock, type Clock } from './node-service.js';
import { ReadyDriver } from './ready-driver.js';
import { writeSnapshotFile } from './snapshot-file.js';
import { SnapshotReceiver } from './snapshot-stream.js';
import { Snapshotter } from './snapshotter.js';
import { openStorage } from './startup.js';
import { Transport } from './transport.js';
import { WalDisk } from './wal-disk.js';
import { nodeClusterIdentity } from './cluster-id.js';

export interface RunningNode {
  /** This node's view, the document GET /v1/status answers. */
  status(): NodeStatus;
  stop(signal: string): Promise<void>;
}

/** What a node takes from its surroundings besides its configuration; tests hand in their own. */
export interface NodeEnvironment {
  clock: Clock;
  /** Election timeout jitter. */
  random: () => number;
  setInterval(fn: () => void, ms: number): NodeJS.Timeout;
  clearInterval(timer: NodeJS.Timeout): void;
  /** Called once a storage failure has stopped the node: the process exits with 1. */
  onFatal(): void;
}

const processEnvironment: NodeEnvironment = {
  clock: systemClock,
  random: Math.random,
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (timer) => clearInterval(timer),
  onFatal: () => {
    process.exitCode = 1;
    process.exit(1);
  },
};

/** Starts a node or throws OperationError/UsageError; nothing is left running or half-made on failure. */
export async function startNode(config: NodeConfig, environment: Partial<NodeEnvironment> = {}): Promise<RunningNode> {
  let logger: Logger;
  try {
    logger = new Logger({ format: config.logFormat, ...(config.logFile !== undefined ? { file: config.logFile } : {}) }, config.nodeId);
  } catch (err) {
    throw new UsageError(`cannot open log file ${config.logFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const node = new NodeRuntime(config, logger, { ...processEnvironment, ...environment });
  try {
    await node.start();
  } catch (err) {
    await node.abort();
    logger.close();
    throw err;
  }
  return node;
}

/** What exists once the data dir is open and the core runs. */
interface Running {
  dataDir: OpenDataDir;
  storage: MemoryStorage;
  raft: RaftNode;
  driver: ReadyDriver;
  disk: WalDisk;
  machine: KvStateMachine;
}

class NodeRuntime implements RunningNode {
  private readonly metrics: NodeMetrics;
  private readonly service: NodeService;
  private readonly http: HttpServer;
  private transport: Transport | undefined;
  private snapshotReceiver: SnapshotReceiver | undefined;
  private snapshotter: Snapshotter | undefined;
  private dataDir: OpenDataDir | undefined;
  private running: Running | undefined;
  private tickTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly config: NodeConfig,
    private readonly logger: Logger,
    private readonly environment: NodeEnvironment,
  ) {
    this.metrics = createNodeMetrics({
      hasLeader: () => (this.service.softState.leader !== 0 ? 1 : 0),
      isLeader: () => (this.service.softState.role === 'leader' ? 1 : 0),
      term: () => this.running?.raft.status().term ?? 0,
      commitIndex: () => this.running?.raft.status().commit ?? 0,
      appliedIndex: () => this.running?.machine.applied() ?? 0,
      lastIndex: () => this.running?.raft.status().lastIndex ?? 0,
      proposalsPending: () => this.service.proposalsPending,
      snapshotIndex: () => this.running?.storage.snapshot().meta.index ?? 0,
      walBytes: () => this.dataDir?.wal.bytes ?? 0,
    });
    this.service = new NodeService({
      config,
      metrics: this.metrics,
      logger,
      clock: environment.clock,
      readContextPrefix: randomBytes(4).toString('hex'),
      requestBoot: randomBytes(4).readUInt32BE(0),
      startedAt: new Date(environment.clock.now()).toISOString(),
    });
    this.http = new HttpServer({
      ...(config.token !== undefined ? { token: config.token } : {}),
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      api: this.service,
      ...(config.faults !== undefined ? { faults: config.faults } : {}),
      onError: (err) => this.logger.error('request failed', { error: err.message }),
    });
  }

  async start(): Promise<void> {
    const { config, logger } = this;
    const { host, port } = splitHostPort(config.listen);
    try {
      await this.http.listen(host, port);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const reason = code === 'EADDRINUSE' ? 'port in use' : code === 'EADDRNOTAVAIL' ? 'address not available on this host' : (err as Error).message;
      throw new OperationError(`cannot listen on ${config.listen}: ${reason}`, code === 'EADDRINUSE' ? 'another process holds the port; stop it or choose another --listen' : undefined);
    }
    config.tls?.watch(logger);
    const heartbeatMs = config.tickMs * config.heartbeatTicks;
    const { dataDir, fresh } = await openStorage(config, logger, {
      segmentBytes: config.walSegmentBytes,
      ...(config.faults !== undefined ? { faults: config.faults } : {}),
      onFsync: (durationMs, entries) => {
        this.metrics.walFsync.observe(durationMs / 1000);
        if (durationMs > heartbeatMs) logger.warn('wal fsync slow', { duration: Math.round(durationMs), entries });
      },
    });
    this.dataDir = dataDir;
    const identity = nodeClusterIdentity(dataDir.meta.clusterId, (id) => dataDir.saveClusterId(id), logger, this.metrics);
    this.snapshotter = new Snapshotter(config.dataDir, config, logger, () => this.running?.driver.process());
    this.snapshotReceiver = new SnapshotReceiver(config.dataDir, (message) => {
      logger.info('snapshot received', { peer: message.from, index: message.snapshot.meta.index, bytes: message.snapshot.data.length });
      this.running?.raft.step(message);
      this.running?.driver.process();
    });
    const { entries, hardState: persisted } = dataDir.contents;
    const snapshot = dataDir.snapshot;
    // The commit index is written lazily (see WalDisk), but never trails the snapshot it produced.
    const hardState = { ...persisted, commit: Math.max(persisted.commit, snapshot?.meta.index ?? 0) };
    logger.context.term = hardState.term;
    // The core uses the newest membership in the log: the snapshot's, folded with every change after it.
    const membership = membershipAt(entries, Number.MAX_SAFE_INTEGER, snapshot?.meta).membership;
    const transport = new Transport({
      selfId: config.nodeId,
      selfAddr: config.advertise,
      clusterId: () => identity.id ?? '',
      ...(config.token !== undefined ? { token: config.token } : {}),
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      logger,
      metrics: this.metrics,
      requestTimeoutMs: Math.max(heartbeatMs * 3, 2000),
      dataDir: config.dataDir,
      ...(config.faults !== undefined ? { faults: config.faults } : {}),
      // The core decides whether this peer was its leader (src/raft/node.ts reportConnectionLost).
      onConnectionLost: (peer) => {
        if (this.stopped) return;
        this.running?.raft.reportConnectionLost(peer);
        this.running?.driver.process();
      },
      onSnapshotFailed: (to) => {
        this.running?.raft.reportSnapshot(to, false);
        this.running?.driver.process();
      },
    });
    this.transport = transport;
    for (const member of [...membership.voters, ...membership.learners]) transport.setAddress(member.id, member.addr);

    const machine = new KvStateMachine(dataDir, logger, {
      ...(snapshot !== undefined ? { snapshot } : {}),
      membershipSavedAt: membershipAt(entries, hardState.commit, snapshot?.meta).index,
    });
    const last = entries.at(-1);
    logger.info('node starting', {
      listen: config.listen,
      data_dir: config.dataDir,
      voters: memberIds(membership.voters),
      learners: memberIds(membership.learners),
      commit: hardState.commit,
      applied: machine.applied(),
      last_index: last?.index ?? snapshot?.meta.index ?? 0,
      snapshot_index: snapshot?.meta.index ?? 0,
      fresh,
    });
    if (fresh && !config.join) {
      logger.info('bootstrapped membership', { voters: memberIds(membership.voters), members: memberList(membership.voters) });
    }
    if (!isMember(membership, config.nodeId)) logger.info('waiting to be added', { listen: config.listen });

    const storage = new MemoryStorage();
    if (snapshot !== undefined) storage.applySnapshot(snapshot);
    storage.append(entries);
    storage.setHardState(hardState);
    const raft = new RaftNode(
      {
        id: config.nodeId,
        electionTicks: config.electionTicks,
        heartbeatTicks: config.heartbeatTicks,
        random: this.environment.random,
        logger: (event) => this.logEvent(event),
      },
      storage,
    );
    const receiver = this.snapshotReceiver;
    // A streamed snapshot is already on disk, verified: renaming it into place is enough.
    const disk = new WalDisk(
      dataDir.wal,
      (leaderSnapshot) => {
        if (!receiver.adopt(leaderSnapshot)) writeSnapshotFile(config.dataDir, leaderSnapshot);
      },
      persisted,
    );
    const service = this.service;
    const driver = new ReadyDriver({
      raft,
      storage,
      disk,
      network: transport,
      stateMachine: {
        apply: (applied) => {
          machine.apply(applied);
          service.applied(applied);
        },
        restore: (leaderSnapshot) => {
          machine.restore(leaderSnapshot);
          service.restored();
        },
      },
      observer: {
        persisted: (ready) => {
          if (ready.hardState !== undefined) logger.context.term = ready.hardState.term;
          if (ready.entries.some((entry) => entry.type === 'conf-change')) service.refreshMembership();
        },
        readStates: (states) => service.readStates(states),
        softState: (soft) => service.softStateChanged(soft),
        // Between two Readies: the snapshot being written may move on, or one may be due (src/node/snapshotter.ts).
        advanced: () => this.maybeSnapshot(),
        idle: () => this.maybeSnapshot(),
      },
      onError: (err) => this.fatal(err),
    });
    this.running = { dataDir, storage, raft, driver, disk, machine };
    service.attach({
      raft,
      process: () => driver.process(),
      machine,
      peers: transport,
      snapshots: receiver,
      snapshotIndex: () => storage.snapshot().meta.index,
      walBytes: () => dataDir.wal.bytes,
      membership,
      identity,
    });

    // A lone voter has nobody to wait for: it elects itself now rather than after an election timeout
    // (etcd fast-forwards a single member's ticks the same way), so `chronik bootstrap` serves at once.
    if (membership.voters.length === 1 && membership.voters[0]?.id === config.nodeId) raft.campaign();
    this.tickTimer = this.environment.setInterval(() => this.onTick(), config.tickMs);
    driver.process();
    logger.info('listening', { listen: config.listen, advertise: config.advertise });
  }

  private logEvent(event: RaftEvent): void {
    if (event.type === 'committed-entry-conflict') this.service.committedEntryConflict(event.peer, event.index, event.localTerm, event.leaderTerm);
    this.logger.record(eventRecord(event));
  }

  private onTick(): void {
    const running = this.running;
    if (this.stopped || running === undefined) return;
    running.raft.tick();
    this.service.tick();
    running.driver.process();
  }

  private maybeSnapshot(): void {
    const running = this.running;
    if (running === undefined || this.stopped) return;
    this.snapshotter?.step(running.storage, running.dataDir.wal, running.machine.kv, running.machine.appliedMembership);
  }

  /** Storage failed under a running node (disk full, I/O error): nothing more can be made durable, so stop. */
  private fatal(err: Error): void {
    if (this.stopped) return;
    this.logger.error('storage failed', { error: err.message });
    // Waiting requests learn why: their entries may not be durable here, so none of them is acknowledged.
    // A leader sends entries before its own write, so the followers may still commit them without it.
    const others = this.service.membership.voters.some((member) => member.id !== this.config.nodeId);
    this.service.failAll(new ApiError('UNAVAILABLE', `storage failed: ${err.message}${others ? '; a write in flight may still commit on the other members' : ''}`));
    void this.stop('storage-failure').then(() => this.environment.onFatal());
  }

  async abort(): Promise<void> {
    this.stopped = true;
    if (this.tickTimer !== undefined) this.environment.clearInterval(this.tickTimer);
    await this.snapshotter?.close();
    await this.http.close().catch(() => undefined);
    await this.transport?.close();
    await this.dataDir?.close();
    this.config.faults?.close();
  }

  async stop(signal: string): Promise<void> {
    if (this.stopped) return;
    this.logger.info('stopping', { signal });
    this.stopped = true;
    if (this.tickTimer !== undefined) this.environment.clearInterval(this.tickTimer);
    this.service.stop(new ApiError('UNAVAILABLE', 'the node is stopping'));
    const running = this.running;
    running?.driver.stop();
    await running?.driver.whenIdle(); // let the Ready being persisted reach the disk
    await this.snapshotter?.close();
    await running?.disk.flush().catch((err: Error) => this.logger.error('storage failed', { error: err.message }));
    await this.http.close();
    await this.transport?.close();
    this.snapshotReceiver?.close();
    await this.dataDir?.close();
    this.config.faults?.close();
    this.logger.close();
  }

  status(): NodeStatus {
    return this.service.status();
  }
}
