// Cluster identity: the ID every member of one bootstrap derives alike from the cluster name, the initial
// voters (ids and addresses) and the optional cluster token, and the check every peer stream, batch,
// snapshot chunk and forwarded request passes before anything reaches the Raft core. A `--join` node has no
// ID until the leader that adds it sends its first message; it adopts and persists that ID once.
import { createHash } from 'node:crypto';
import type { NodeId } from '../raft/types.js';
import type { Logger } from './logger.js';
import type { NodeMetrics } from './metrics.js';

/** Hex digits of an ID: 64 bits, as etcd's cluster IDs. */
const ID_HEX = 16;
/** A sender refused for another cluster is logged at most once per interval. */
const MISMATCH_LOG_INTERVAL_MS = 10_000;

/**
 * The ID of a cluster bootstrapped with these initial voters. Members are sorted by id, so every member of
 * one bootstrap run computes the same ID without talking to the others; two clusters with the same name and
 * members get the same ID unless their tokens differ (that is what `--cluster-token` is for).
 */
export function deriveClusterId(name: string, members: readonly { id: NodeId; addr: string }[], token?: string): string {
  const list = [...members].sort((a, b) => a.id - b.id).map((m) => `${m.id}@${m.addr}`);
  return createHash('sha256')
    .update(`chronik-cluster-id/1\0${name}\0${list.join(',')}\0${token ?? ''}`)
    .digest('hex')
    .slice(0, ID_HEX);
}

/** What the data dir keeps of the token: enough to tell another token apart, never the token itself. */
export function tokenFingerprint(token: string): string {
  return createHash('sha256').update(`chronik-cluster-token/1\0${token}`).digest('hex').slice(0, ID_HEX);
}

/** A peer request refused because it comes from another cluster (or, to a node with an ID, from none). */
export class ClusterIdMismatchError extends Error {
  constructor(
    readonly from: NodeId,
    readonly senderId: string,
    readonly ownId: string,
  ) {
    super(`cluster ID mismatch: node ${from} is in cluster ${senderId === '' ? '(none)' : senderId}, this node is in cluster ${ownId}`);
    this.name = 'ClusterIdMismatchError';
  }
}

export interface ClusterIdentityOptions {
  /** The data dir's ID; undefined for a joining node that has not heard from its leader yet. */
  id: string | undefined;
  /** Makes an adopted ID durable (meta.json) before the message that carried it is stepped. */
  persist: (id: string) => void;
  /** Called for a refused sender, at most once per sender per interval: the log line. */
  onMismatch: (error: ClusterIdMismatchError, addr: string) => void;
  /** Called for every refused request: the metric. */
  onRefused: () => void;
  /** Called once when a joining node adopts an ID. */
  onAdopted: (id: string, from: NodeId) => void;
  now?: () => number;
}

export class ClusterIdentity {
  private current: string | undefined;
  private readonly lastLogged = new Map<NodeId, number>();

  constructor(private readonly options: ClusterIdentityOptions) {
    this.current = options.id;
  }

  get id(): string | undefined {
    return this.current;
  }

  /**
   * Checks a sender before its stream is accepted or its request served; throws ClusterIdMismatchError.
   * A node without an ID yet admits any stream: the batches on it decide (see admitBatch).
   */
  admit(from: NodeId, addr: string, senderId: string): void {
    if (this.current === undefined || senderId === this.current) return;
    this.refuse(from, addr, senderId, this.current);
  }

  /**
   * Whether a batch may be stepped. A node without an ID adopts the sender's when the batch carries a leader's
   * message (append, heartbeat or snapshot: the leader that added it), and drops anything else unstepped.
   */
  admitBatch(from: NodeId, addr: string, senderId: string, fromLeader: boolean): boolean {
    if (this.current === undefined) {
      if (!fromLeader || senderId === '') return false;
      this.adopt(senderId, from);
      return true;
    }
    this.admit(from, addr, senderId);
    return true;
  }

  private adopt(id: string, from: NodeId): void {
    this.options.persist(id);
    this.current = id;
    this.options.onAdopted(id, from);
  }

  private refuse(from: NodeId, addr: string, senderId: string, ownId: string): never {
    const error = new ClusterIdMismatchError(from, senderId, ownId);
    this.options.onRefused();
    const now = (this.options.now ?? Date.now)();
    if (now - (this.lastLogged.get(from) ?? -Infinity) >= MISMATCH_LOG_INTERVAL_MS) {
      this.lastLogged.set(from, now);
      this.options.onMismatch(error, addr);
    }
    throw error;
  }
}

/** A node's identity wired to its log lines (`cluster ID mismatch`, `adopted cluster ID`) and its refusal metric. */
export function nodeClusterIdentity(id: string | undefined, persist: (id: string) => void, logger: Logger, metrics: NodeMetrics): ClusterIdentity {
  return new ClusterIdentity({
    id,
    persist,
    onMismatch: (error, addr) => logger.error('cluster ID mismatch', { peer: error.from, addr, cluster_id: error.senderId || '(none)', expected: error.ownId }),
    onRefused: () => metrics.peerRefused.inc({ reason: 'cluster-id' }),
    onAdopted: (adopted, from) => logger.info('adopted cluster ID', { cluster_id: adopted, leader: from }),
  });
}
