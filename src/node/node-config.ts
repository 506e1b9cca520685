// Turns `chronik bootstrap` flags, the cluster YAML and the environment into one validated NodeConfig.
// Usage mistakes throw UsageError (exit 2); unsafe but well-formed requests throw OperationError (exit 1).
import { readFileSync } from 'node:fs';
import { isLoopbackHost, parseHostPort, parseNodeId, parsePeers, type Peer } from '../shared/address.js';
import { loadConfig, type ClusterConfig } from '../shared/config.js';
import { parseDuration } from '../shared/duration.js';
import { OperationError, UsageError } from '../shared/errors.js';
import { faultsFromEnv, type Faults } from './faults.js';
import type { LogFormat } from './logger.js';

export const DEFAULT_LISTEN = '127.0.0.1:9192';
export const DEFAULT_CLUSTER = 'chronik';

export interface NodeConfig {
  nodeId: number;
  /** HOST:PORT to bind. */
  listen: string;
  /** HOST:PORT peers and clients use to reach this node. */
  advertise: string;
  peers: Peer[];
  join: boolean;
  dataDir: string;
  cluster: string;
  tickMs: number;
  electionTicks: number;
  heartbeatTicks: number;
  logFormat: LogFormat;
  logFile?: string;
  token?: string;
  /** Makes this bootstrap's cluster ID unique even when another cluster has the same name and members. */
  clusterToken?: string;
  /** Applied entries between snapshots (env CHRONIK_SNAPSHOT_ENTRIES, default 100000, like etcd's snapshot-count). */
  snapshotEntries: number;
  /** A WAL this large triggers a snapshot before the entry count does (env CHRONIK_SNAPSHOT_WAL_BYTES, default 64 MiB). */
  snapshotWalBytes: number;
  /** Entries kept in the log behind a snapshot for followers a little behind (env CHRONIK_SNAPSHOT_TRAILING, default 5000). */
  snapshotTrailing: number;
  /** WAL segment size before rollover (env CHRONIK_WAL_SEGMENT_BYTES, default 16 MiB). */
  walSegmentBytes: number;
  /** Test-only faults (env CHRONIK_FAULT_FILE, read once here); production runs without. */
  faults?: Faults;
}

function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 1): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`invalid ${name} "${text}": expected ${min === 0 ? 'a non-negative' : 'a positive'} integer`);
  }
  return value;
}

function withFaults(faults: Faults | undefined): { faults?: Faults } {
  return faults !== undefined ? { faults } : {};
}

export interface BootstrapFlags {
  'node-id'?: string;
  listen?: string;
  advertise?: string;
  peers?: string;
  join: boolean;
  'data-dir'?: string;
  config?: string;
  tick?: string;
  'election-ticks'?: number;
  'heartbeat-ticks'?: number;
  'log-format': string;
  'log-file'?: string;
  'token-file'?: string;
  'cluster-token'?: string;
  insecure: boolean;
}

function readToken(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read token file ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`token file ${file} is empty`);
  return token;
}

function isWildcard(addr: string): boolean {
  const host = addr.slice(0, addr.lastIndexOf(':'));
  return host === '0.0.0.0' || host === '[::]';
}

export function resolveNodeConfig(flags: BootstrapFlags, env: NodeJS.ProcessEnv = process.env): NodeConfig {
  const nodeId = parseNodeId(flags['node-id'] ?? '1', '--node-id');
  const cluster: ClusterConfig | undefined = flags.config !== undefined ? loadConfig(flags.config) : undefined;
  const self = cluster?.nodes.find((node) => node.id === nodeId);
  if (cluster !== undefined && self === undefined && !flags.join) {
    throw new UsageError(`node ${nodeId} is not among the nodes of ${flags.config}`, 'pick a --node-id listed there, or start it with --join');
  }
  if (flags.join && flags.peers !== undefined && flags.peers.trim() !== '') {
    throw new UsageError('--join and --peers cannot be combined', 'a joining node starts without membership; a leader adds it with add-voter');
  }

  const listen = parseHostPort(flags.listen ?? self?.addr ?? DEFAULT_LISTEN, '--listen');
  const advertise = parseHostPort(flags.advertise ?? self?.addr ?? listen, '--advertise');
  if (isWildcard(advertise)) throw new UsageError(`--listen ${listen} is a wildcard address`, 'give --advertise HOST:PORT that peers can reach');

  let peers: Peer[] = [];
  if (!flags.join) {
    peers = flags.peers !== undefined ? parsePeers(flags.peers, nodeId, advertise) : (cluster?.nodes ?? []).filter((node) => node.id !== nodeId);
  }

  const tickMs = flags.tick !== undefined ? parseDuration(flags.tick, '--tick') : (cluster?.tickMs ?? 100);
  const electionTicks = flags['election-ticks'] ?? cluster?.electionTicks ?? 10;
  const heartbeatTicks = flags['heartbeat-ticks'] ?? cluster?.heartbeatTicks ?? 3;
  if (electionTicks < 2 || heartbeatTicks < 1 || heartbeatTicks >= electionTicks) {
    throw new UsageError(`--election-ticks ${electionTicks} must exceed --heartbeat-ticks ${heartbeatTicks} (and be at least 2)`);
  }
  if (flags['log-format'] !== 'text' && flags['log-format'] !== 'json') {
    throw new UsageError(`invalid --log-format "${flags['log-format']}": expected text or json`);
  }

  const tokenFile = flags['token-file'] ?? (env.CHRONIK_TOKEN ? undefined : cluster?.tokenFile);
  const token = tokenFile !== undefined ? readToken(tokenFile) : env.CHRONIK_TOKEN?.trim() || undefined;
  if (token === undefined && !flags.insecure && !isLoopbackHost(listen)) {
    throw new OperationError(
      `refusing to listen on ${listen} without a token`,
      'set CHRONIK_TOKEN or --token-file so only members and operators can talk to the node, or pass --insecure',
    );
  }

  const clusterToken = flags['cluster-token'] ?? cluster?.clusterToken;
  if (clusterToken !== undefined && clusterToken.trim() === '') throw new UsageError('--cluster-token is empty', 'omit it, or give the same non-empty token to every member');

  return {
    nodeId,
    listen,
    advertise,
    peers,
    join: flags.join,
    dataDir: flags['data-dir'] ?? `./chronik-data/node-${nodeId}`,
    cluster: cluster?.cluster ?? DEFAULT_CLUSTER,
    tickMs,
    electionTicks,
    heartbeatTicks,
    logFormat: flags['log-format'],
    ...(flags['log-file'] !== undefined ? { logFile: flags['log-file'] } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(clusterToken !== undefined ? { clusterToken } : {}),
    snapshotEntries: envInteger(env, 'CHRONIK_SNAPSHOT_ENTRIES', 100_000),
    snapshotWalBytes: envInteger(env, 'CHRONIK_SNAPSHOT_WAL_BYTES', 64 * 1024 * 1024),
    snapshotTrailing: envInteger(env, 'CHRONIK_SNAPSHOT_TRAILING', 5000, 0),
    walSegmentBytes: envInteger(env, 'CHRONIK_WAL_SEGMENT_BYTES', 16 * 1024 * 1024),
    ...withFaults(faultsFromEnv(env)),
  };
}
