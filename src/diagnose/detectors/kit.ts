// What every detector module is built from: the Detector interface the analyzer feeds, the draft of a
// finding a detector concludes, bounded evidence sets, per-node state, and the time helpers that
// several rules share (election timeout, overlaps, a majority of peers stopped on purpose).
import type { Code, TableCode } from '../codes.js';
import type { Evidence, EventKind, RaftEvent, Severity } from '../model.js';
import type { GroupState, Interval, NodeState, Step, Timeline } from '../timeline.js';

export const DEFAULT_ELECTION_TIMEOUT_MS = 1000;
/** A term this high says by itself that the cluster has been through hundreds of elections since it began. */
export const ORIGIN_TERMS = 100;
const EVIDENCE_CAP = 4;

/** A finding before it is merged with the same code's other drafts and rendered. */
export interface Draft {
  code: Code;
  severity?: Severity;
  nodes: NodeState[];
  summary: string;
  count: number;
  first?: number;
  last?: number;
  evidence: Evidence[];
  /** The SPEC.md table code this more specific one refines, when not codes.ts's (reported too, refine.ts). */
  refines?: TableCode;
}

/** What a detector sees once every event is in. */
export interface View {
  readonly timeline: Timeline;
  /** Every named node (not '?'). */
  readonly nodes: readonly NodeState[];
  /** Named nodes (not '?') of each group. */
  readonly byGroup: ReadonlyMap<string, NodeState[]>;
  /** The group's election timeout when its logs state one, else DEFAULT_ELECTION_TIMEOUT_MS. */
  electionTimeout(group: string): number;
  /** Drafts of detectors earlier in the table (index.ts) for this code and node. */
  reported(code: Code, node: NodeState): Draft | undefined;
}

/** One rule: fed the events of the kinds it lists (or all), in order, after the timeline folded each in. */
export interface Detector {
  readonly kinds: readonly EventKind[] | 'all';
  on(event: RaftEvent, step: Step): void;
  finish(view: View): Draft[];
}

export interface DetectorEntry {
  /** The module's name, as in src/diagnose/detectors/<name>.ts. */
  name: string;
  /** The codes it may report. */
  codes: readonly Code[];
  create(): Detector;
}

/** Keeps the first few and the latest evidence lines of a repeated signal. */
export class EvidenceSet {
  readonly lines: Evidence[] = [];
  count = 0;
  first?: number;
  last?: number;

  add(evidence: Evidence, time: number | undefined): void {
    this.count++;
    if (time !== undefined) {
      this.first ??= time;
      this.last = time;
    }
    if (this.lines.length < EVIDENCE_CAP - 1) this.lines.push(evidence);
    else this.lines[EVIDENCE_CAP - 1] = evidence;
  }
}

export function fromSet(set: EvidenceSet): Pick<Draft, 'count' | 'first' | 'last' | 'evidence'> {
  return { count: set.count, first: set.first, last: set.last, evidence: [...set.lines] };
}

/** A detector's state for each node, made on first use. */
export class PerNode<T> {
  private readonly map = new Map<NodeState, T>();
  constructor(private readonly make: () => T) {}

  get(node: NodeState): T {
    let state = this.map.get(node);
    if (state === undefined) {
      state = this.make();
      this.map.set(node, state);
    }
    return state;
  }

  peek(node: NodeState): T | undefined {
    return this.map.get(node);
  }

  /** Named nodes (not '?') with their state. */
  *named(): Generator<[NodeState, T]> {
    for (const entry of this.map) if (entry[0].id !== '?') yield entry;
  }
}

/** A node's name in a report: TiKV regions add the region. */
export function displayName(node: NodeState): string {
  return node.group.startsWith('region-') ? `${node.id} (region ${node.group.slice(7)})` : node.id;
}

export function overlaps(intervals: Interval[], start: number | undefined, end: number | undefined, fallbackEnd: number | undefined): boolean {
  if (start === undefined) return false;
  const to = end ?? start;
  return intervals.some((i) => i.start !== undefined && i.start <= to && (i.end ?? fallbackEnd ?? Infinity) >= start);
}

/**
 * The peer's own log explains its being out of reach from `from` to `to`: it was stopped then, or it
 * started again within 5 s of that span (a restart). False without the peer's log.
 */
export function peerExplains(peer: NodeState | undefined, from: number, to: number): boolean {
  if (!peer) return false;
  if (peer.stopIntervals.some((i) => i.start !== undefined && i.start <= to && (i.end ?? Infinity) >= from - 5000)) return true;
  return peer.startTimes.some((t) => t >= from - 5000 && t <= to + 5000);
}

/** True when a majority of the other members had been shut down on purpose at `time` (cluster stop). */
export function peersStopped(node: NodeState, nodes: NodeState[], time: number | undefined): boolean {
  if (time === undefined) return false;
  const others = nodes.filter((n) => n !== node);
  if (others.length === 0) return false;
  const stopped = others.filter((n) => n.stopIntervals.some((i) => i.start !== undefined && i.start <= time + 1000 && (i.end ?? Infinity) >= time));
  return stopped.length + 1 > (others.length + 1) / 2 || stopped.length >= Math.ceil(others.length / 2);
}

/** Index of the first element >= value in a sorted array. */
export function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Times at which leaders of the group were first seen, sorted. */
export function leaderTimes(group: GroupState): number[] {
  return [...group.leaderByTerm.values()].map((l) => l.time).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
}

/** Election attempt times of the nodes, sorted. */
export function attemptTimes(nodes: NodeState[]): number[] {
  return nodes.flatMap((n) => n.electionTimes.map((e) => e.time).filter((t): t is number => t !== undefined)).sort((a, b) => a - b);
}
