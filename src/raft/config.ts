// RaftNode's settings, their defaults, and the results its inputs return.

import type { DropReason, RaftEvent } from './events.js';
import type { NodeId } from './types.js';

export interface RaftConfig {
  id: NodeId;
  /** Followers wait a random [electionTicks, 2*electionTicks) ticks without a leader before campaigning. */
  electionTicks?: number;
  heartbeatTicks?: number;
  /** Ask for votes without bumping the term first, so a partitioned node cannot disrupt the cluster. */
  preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down. */
  checkQuorum?: boolean;
  /** Appends in flight per follower while replicating. */
  maxInflight?: number;
  maxEntriesPerAppend?: number;
  maxBytesPerAppend?: number;
  /** Uniform in [0, 1); injected so a seed replays a run exactly. */
  random: () => number;
  logger?: (event: RaftEvent) => void;
  /** The index the state machine has applied (from its snapshot); committed entries after it are replayed. */
  applied?: number;
}

export type ResolvedConfig = Required<Omit<RaftConfig, 'applied'>> & { applied: number | undefined };

export function resolveConfig(config: RaftConfig): ResolvedConfig {
  const resolved: ResolvedConfig = {
    id: config.id,
    electionTicks: config.electionTicks ?? 10,
    heartbeatTicks: config.heartbeatTicks ?? 3,
    preVote: config.preVote ?? true,
    checkQuorum: config.checkQuorum ?? true,
    maxInflight: config.maxInflight ?? 256,
    maxEntriesPerAppend: config.maxEntriesPerAppend ?? 256,
    maxBytesPerAppend: config.maxBytesPerAppend ?? 1024 * 1024,
    random: config.random,
    logger: config.logger ?? (() => undefined),
    applied: config.applied,
  };
  if (!Number.isInteger(resolved.id) || resolved.id <= 0) throw new Error(`node id must be a positive integer, got ${config.id}`);
  if (resolved.heartbeatTicks < 1) throw new Error('heartbeatTicks must be at least 1');
  if (resolved.electionTicks <= resolved.heartbeatTicks) throw new Error('electionTicks must exceed heartbeatTicks');
  if (resolved.maxInflight < 1 || resolved.maxEntriesPerAppend < 1) throw new Error('maxInflight and maxEntriesPerAppend must be at least 1');
  return resolved;
}

/** A request the core refused: why, and the leader it knows (0 for none). */
export type Dropped = { ok: false; reason: DropReason; leader: NodeId; detail?: string };

/** A conf change appended at (index, term), or refused. */
export type ConfChangeResult = { ok: true; index: number; term: number } | Dropped;

/**
 * A proposal appended to this leader's log at (index, term), or handed to `leader` (a follower's), or
 * refused. A forwarded proposal has no index yet: the proposer finds it by what it carries when it applies.
 */
export type ProposeResult =
  | { ok: true; forwarded: false; index: number; term: number }
  | { ok: true; forwarded: true; leader: NodeId; term: number }
  | Dropped;

export type RequestResult = { ok: true } | { ok: false; reason: string; leader: NodeId };
