// The per-node and per-group facts that several detectors need, folded from the event stream in order:
// who a node is, when it was seen, its terms, starts and stops, election attempts, leaders it saw and
// its voter set; per group, the election timeout and who led each term. Anything one rule alone needs
// lives in that rule's module (src/diagnose/detectors/). Nothing here grows with the number of lines,
// only with nodes, and every list is capped.
import type { Evidence, RaftEvent } from './model.js';

const LIST_CAP = 2000;
// Events that only happen once a node is up and running, so a later start marker means a restart.
const ACTIVITY = new Set<string>(['became-leader', 'became-candidate', 'became-pre-candidate', 'election-started', 'leader-known', 'vote-cast', 'dropped-proposal']);

export function pushCapped<T>(list: T[], item: T, cap = LIST_CAP): void {
  if (list.length < cap) list.push(item);
  else list[cap - 1] = item; // keep the first cap-1 and the latest
}

export interface Interval {
  start?: number;
  end?: number;
}

export class NodeState {
  readonly files = new Set<string>();
  firstSeen?: number;
  lastSeen?: number;
  firstTerm?: number;
  lastTerm?: number;
  maxTerm = -1;
  termEvidence?: Evidence;
  /** Between the node's own stop line and its next start: what it logs then is shutdown noise. */
  stopping = false;
  readonly stopIntervals: Interval[] = [];
  readonly startTimes: number[] = [];
  private activitySinceStart = false;
  restarts = 0;
  electionsStarted = 0;
  /** Attempts, in order, with their time and term (several rules count elections in windows). */
  readonly electionTimes: { time?: number; term?: number }[] = [];
  private pendingElection = false;
  private preVotePhase = false;
  readonly leaderTerms: number[] = [];
  readonly leadersSeen = new Set<string>();
  leaderSeenCount = 0;
  /** Periods in which this node was leader or followed a known leader. */
  readonly leaderIntervals: Interval[] = [];
  private openLeaderInterval?: Interval;
  /** The last non-empty voter set the node reported, when and where. */
  voters?: string[];
  votersTime?: number;
  votersEvidence?: Evidence;
  /** Whether the last configuration the node reported was empty. */
  emptyConfig = false;

  constructor(
    readonly key: string,
    readonly id: string,
    readonly group: string,
  ) {}

  openLeader(time: number | undefined): void {
    if (this.openLeaderInterval) return;
    this.openLeaderInterval = { start: time };
    pushCapped(this.leaderIntervals, this.openLeaderInterval);
  }

  closeLeader(time: number | undefined): void {
    if (this.openLeaderInterval) this.openLeaderInterval.end = time ?? this.lastSeen;
    this.openLeaderInterval = undefined;
  }

  /** Whether this event starts a new election attempt (a pre-vote and the vote that follows it are one). */
  attempt(event: RaftEvent): boolean {
    switch (event.kind) {
      case 'election-started': {
        const continued = event.reason === 'vote-phase' && this.preVotePhase;
        this.preVotePhase = continued ? false : event.reason === 'pre-vote';
        this.pendingElection = true;
        return !continued;
      }
      case 'became-pre-candidate': {
        const fresh = !this.pendingElection && event.reason !== 'role-only';
        this.pendingElection = true;
        return fresh;
      }
      case 'became-candidate': {
        const fresh = !this.pendingElection && event.reason !== 'role-only';
        this.pendingElection = false;
        return fresh;
      }
      case 'became-leader':
      case 'became-follower':
        this.pendingElection = false;
        return false;
      default:
        return false;
    }
  }

  onStart(time: number | undefined): void {
    if (time !== undefined && this.startTimes.at(-1) !== time) pushCapped(this.startTimes, time, 500);
    if (this.activitySinceStart) this.restarts++;
    this.activitySinceStart = false;
    if (this.stopping) {
      const open = this.stopIntervals.at(-1);
      if (open && open.end === undefined) open.end = time;
    }
    this.stopping = false;
    this.pendingElection = false;
    this.closeLeader(time);
  }

  onStop(time: number | undefined): void {
    if (!this.stopping) pushCapped(this.stopIntervals, { start: time });
    this.stopping = true;
    this.closeLeader(time);
  }

  active(): void {
    this.activitySinceStart = true;
  }
}

export class GroupState {
  electionTimeoutMs?: number;
  /** The first leader seen for each term: who, where, when. */
  readonly leaderByTerm = new Map<number, { leader: string; evidence: Evidence; time?: number }>();
  constructor(readonly name: string) {}
}

/** What folding one event established, for the detectors that see it next (one object, reused). */
export interface Step {
  node: NodeState;
  group: GroupState;
  /** The event starts a new election attempt (and the node is not shutting down). */
  attempt: boolean;
  /** The leader the event shows the node having (itself, or the leader it follows). */
  leader?: string;
}

export class Timeline {
  readonly nodes = new Map<string, NodeState>();
  readonly groups = new Map<string, GroupState>();
  private readonly step: Step = { node: undefined as unknown as NodeState, group: undefined as unknown as GroupState, attempt: false };

  group(name: string): GroupState {
    let group = this.groups.get(name);
    if (!group) {
      group = new GroupState(name);
      this.groups.set(name, group);
    }
    return group;
  }

  private node(event: RaftEvent): NodeState {
    const id = event.node ?? '?';
    const key = `${event.group}\u0000${id}`;
    let node = this.nodes.get(key);
    if (!node) {
      node = new NodeState(key, id, event.group);
      this.nodes.set(key, node);
    }
    return node;
  }

  /** Marks the end of a stream for a node it described: the node was up until the stream's last line. */
  endOfStream(node: string, group: string, lastTime: number | undefined): void {
    const state = this.nodes.get(`${group}\u0000${node}`);
    if (!state || lastTime === undefined) return;
    if (state.lastSeen === undefined || lastTime > state.lastSeen) state.lastSeen = lastTime;
  }

  /** Folds one event in; undefined for events about settings only (no node). */
  fold(event: RaftEvent): Step | undefined {
    const t = event.time;
    const group = this.group(event.group);
    if (event.electionTimeoutMs !== undefined) group.electionTimeoutMs = event.electionTimeoutMs;
    if (event.kind === 'settings') return undefined;
    const node = this.node(event);
    node.files.add(event.evidence.file);
    if (t !== undefined) {
      node.firstSeen ??= t;
      if (node.lastSeen === undefined || t > node.lastSeen) node.lastSeen = t;
    }
    if (event.term !== undefined && event.kind !== 'message-received' && event.kind !== 'leader-lost') {
      node.firstTerm ??= event.term;
      node.lastTerm = event.term;
      if (event.term > node.maxTerm) {
        node.maxTerm = event.term;
        node.termEvidence = event.evidence;
      }
    }
    if (ACTIVITY.has(event.kind)) node.active();
    const step = this.step;
    step.node = node;
    step.group = group;
    step.leader = undefined;
    step.attempt = node.attempt(event) && !node.stopping;
    if (step.attempt) {
      node.electionsStarted++;
      pushCapped(node.electionTimes, { time: t, term: event.term });
      node.closeLeader(t);
    }
    switch (event.kind) {
      case 'node-start':
        node.onStart(t);
        break;
      case 'node-stop':
        node.onStop(t);
        break;
      case 'became-leader':
        if (event.term !== undefined) {
          if (!node.leaderTerms.includes(event.term)) pushCapped(node.leaderTerms, event.term);
          this.recordLeader(group, event.term, node.id, event);
        }
        step.leader = node.id;
        break;
      case 'leader-known':
        if (event.peer !== undefined) {
          step.leader = event.peer;
          if (event.term !== undefined && event.peer !== node.id) this.recordLeader(group, event.term, event.peer, event);
        }
        break;
      case 'leader-lost':
      case 'quorum-lost':
        node.closeLeader(t);
        break;
      case 'config':
        if (event.voters === undefined) break;
        node.emptyConfig = event.voters.length === 0;
        if (event.voters.length > 0) {
          node.voters = event.voters;
          node.votersTime = t;
          node.votersEvidence = event.evidence;
        }
        break;
      default:
        break;
    }
    if (step.leader !== undefined) {
      node.leaderSeenCount++;
      if (node.leadersSeen.size < 100) node.leadersSeen.add(step.leader);
      node.openLeader(t);
    }
    return step;
  }

  private recordLeader(group: GroupState, term: number, leader: string, event: RaftEvent): void {
    if (!group.leaderByTerm.has(term) && group.leaderByTerm.size < 100_000) group.leaderByTerm.set(term, { leader, evidence: event.evidence, time: event.time });
  }
}
