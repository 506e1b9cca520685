// Folds the event stream into bounded per-node and per-group state. Detectors (detectors.ts) read this
// state once all input is consumed; nothing here grows with the number of log lines, only with nodes,
// and every list is capped.
import type { Evidence, RaftEvent } from './model.js';

const LIST_CAP = 2000;
const EVIDENCE_CAP = 4;
// Events that only happen once a node is up and running, so a later start marker means a restart.
const ACTIVITY = new Set<string>(['became-leader', 'became-candidate', 'became-pre-candidate', 'election-started', 'leader-known', 'vote-cast', 'dropped-proposal']);

export function pushCapped<T>(list: T[], item: T, cap = LIST_CAP): void {
  if (list.length < cap) list.push(item);
  else list[cap - 1] = item; // keep the first cap-1 and the latest
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

export interface Interval {
  start?: number;
  end?: number;
}

export interface Campaign extends Interval {
  attempts: number;
  evidence: EvidenceSet;
  outcome: 'open' | 'leader' | 'stopped' | 'restarted';
  firstTerm?: number;
  lastTerm?: number;
}

export interface UnreachableRun extends Interval {
  peer: string;
  last?: number;
  recovered?: number;
  evidence: EvidenceSet;
}

export interface TimedEvidence {
  time?: number;
  evidence: Evidence;
  durationMs?: number;
  reason?: string;
}

export class NodeState {
  readonly files = new Set<string>();
  firstSeen?: number;
  lastSeen?: number;
  firstTerm?: number;
  lastTerm?: number;
  maxTerm = -1;
  maxTermTime?: number;
  termEvidence?: Evidence;
  stopping = false;
  activitySinceStart = false;
  restarts = 0;
  electionsStarted = 0;
  pendingElection = false;
  preVotePhase = false;
  readonly leaderTerms: number[] = [];
  readonly leadersSeen = new Set<string>();
  leaderSeenCount = 0;
  campaign?: Campaign;
  readonly campaigns: Campaign[] = [];
  /** Periods in which this node was leader or followed a known leader. */
  readonly leaderIntervals: Interval[] = [];
  private openLeaderInterval?: Interval;
  readonly stopIntervals: Interval[] = [];
  readonly startTimes: number[] = [];
  voters?: string[];
  votersTime?: number;
  votersEvidence?: Evidence;
  emptyConfig?: TimedEvidence;
  leaderSinceEmpty = false;
  /** Leader waits, dropped proposals or refusals to campaign after the empty configuration. */
  distressSinceEmpty = 0;
  peersGiven?: { voters: string[]; evidence: Evidence; configAfter?: string[]; configEvidence?: Evidence };
  readonly leaderWait = new EvidenceSet();
  readonly dropped = new EvidenceSet();
  readonly droppedAtTerm0 = new EvidenceSet();
  readonly notPromotable = new EvidenceSet();
  leaderSinceNotPromotable = false;
  readonly quorumLost: TimedEvidence[] = [];
  readonly unreachableRuns: UnreachableRun[] = [];
  readonly openUnreachable = new Map<string, UnreachableRun>();
  readonly produced = new EvidenceSet();
  readonly producedTo = new Set<string>();
  received = 0;
  readonly slowDisk: TimedEvidence[] = [];
  readonly heartbeatLate: TimedEvidence[] = [];
  readonly removedMember = new EvidenceSet();
  readonly stateReset = new EvidenceSet();
  readonly clusterIds = new Set<string>();
  readonly clusterIdMismatch = new EvidenceSet();
  readonly electionTimes: { time?: number; term?: number }[] = [];

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

  closeCampaign(outcome: Campaign['outcome'], time: number | undefined): void {
    if (!this.campaign) return;
    this.campaign.outcome = outcome;
    this.campaign.end = time ?? this.campaign.end;
    this.campaign = undefined;
  }

  closeUnreachable(peer: string, time: number | undefined): void {
    const run = this.openUnreachable.get(peer);
    if (!run) return;
    run.recovered = time;
    this.openUnreachable.delete(peer);
  }
}

export class GroupState {
  electionTimeoutMs?: number;
  readonly leaderByTerm = new Map<number, { leader: string; evidence: Evidence; time?: number }>();
  readonly splitBrain: { term: number; leaders: string[]; evidence: Evidence[]; time?: number }[] = [];
  /** Nodes whose messages some other node logged receiving. */
  readonly delivered = new Set<string>();
  constructor(readonly name: string) {}
}

export class Analyzer {
  readonly nodes = new Map<string, NodeState>();
  readonly groups = new Map<string, GroupState>();

  constructor(private readonly window: { since?: number; until?: number } = {}) {}

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

  /** Marks the end of a file for the nodes it described: open spans end at the last line seen. */
  endOfStream(node: string, group: string, lastTime: number | undefined): void {
    const state = this.nodes.get(`${group}\u0000${node}`);
    if (!state || lastTime === undefined) return;
    if (state.lastSeen === undefined || lastTime > state.lastSeen) state.lastSeen = lastTime;
  }

  handle(event: RaftEvent): void {
    const t = event.time;
    if (t !== undefined && ((this.window.since !== undefined && t < this.window.since) || (this.window.until !== undefined && t > this.window.until))) return;
    const group = this.group(event.group);
    if (event.kind === 'settings' || event.electionTimeoutMs !== undefined) {
      if (event.electionTimeoutMs !== undefined) group.electionTimeoutMs = event.electionTimeoutMs;
      if (event.kind === 'settings') return;
    }
    const node = this.node(event);
    node.files.add(event.evidence.file);
    if (t !== undefined) {
      node.firstSeen ??= t;
      if (node.lastSeen === undefined || t > node.lastSeen) node.lastSeen = t;
    }
    if (event.kind === 'node-start') this.onStart(node, event);
    if (event.term !== undefined && event.kind !== 'message-received' && event.kind !== 'leader-lost') {
      node.firstTerm ??= event.term;
      node.lastTerm = event.term;
      if (event.term > node.maxTerm) {
        node.maxTerm = event.term;
        node.maxTermTime = t;
        node.termEvidence = event.evidence;
      }
    }
    if (ACTIVITY.has(event.kind)) node.activitySinceStart = true;
    this.apply(node, group, event);
  }

  private onStart(node: NodeState, event: RaftEvent): void {
    if (event.term !== undefined && node.maxTerm > event.term && event.lastIndex === 0) {
      const after = event.time === undefined || node.maxTermTime === undefined || event.time > node.maxTermTime;
      if (after) {
        node.stateReset.add(node.termEvidence ?? event.evidence, node.maxTermTime);
        node.stateReset.add(event.evidence, event.time);
      }
    }
    if (event.time !== undefined && node.startTimes.at(-1) !== event.time) pushCapped(node.startTimes, event.time, 500);
    if (node.activitySinceStart) node.restarts++;
    node.activitySinceStart = false;
    if (node.stopping) {
      const open = node.stopIntervals.at(-1);
      if (open && open.end === undefined) open.end = event.time;
    }
    node.stopping = false;
    node.pendingElection = false;
    node.closeLeader(event.time);
    node.closeCampaign('restarted', event.time);
    for (const peer of [...node.openUnreachable.keys()]) node.closeUnreachable(peer, event.time);
  }

  private apply(node: NodeState, group: GroupState, event: RaftEvent): void {
    const t = event.time;
    switch (event.kind) {
      case 'node-stop':
        if (!node.stopping) pushCapped(node.stopIntervals, { start: t });
        node.stopping = true;
        node.closeCampaign('stopped', t);
        node.closeLeader(t);
        for (const peer of [...node.openUnreachable.keys()]) node.closeUnreachable(peer, t);
        return;
      case 'became-leader':
        node.pendingElection = false;
        if (event.term !== undefined) {
          if (!node.leaderTerms.includes(event.term)) pushCapped(node.leaderTerms, event.term);
          this.recordLeader(group, event.term, node.id, event);
        }
        this.sawLeader(node, node.id, t);
        return;
      case 'leader-known':
        if (event.peer !== undefined) {
          this.sawLeader(node, event.peer, t);
          if (event.term !== undefined && event.peer !== node.id) this.recordLeader(group, event.term, event.peer, event);
        }
        return;
      case 'leader-lost':
            node.closeLeader(t);
        return;
      case 'became-follower':
        node.pendingElection = false;
        return;
      case 'election-started':
        // The vote phase that follows a successful pre-vote is the same attempt.
        if (event.reason === 'vote-phase' && node.preVotePhase) node.preVotePhase = false;
        else {
          this.attempt(node, event);
          node.preVotePhase = event.reason === 'pre-vote';
        }
        node.pendingElection = true;
        return;
      case 'became-pre-candidate':
        if (!node.pendingElection && event.reason !== 'role-only') this.attempt(node, event);
        node.pendingElection = true;
        return;
      case 'became-candidate':
        if (!node.pendingElection && event.reason !== 'role-only') this.attempt(node, event);
        node.pendingElection = false;
        if (node.campaign && event.term !== undefined) node.campaign.lastTerm = event.term;
        return;
      case 'config':
        if (event.voters === undefined) return;
        if (node.peersGiven && node.peersGiven.configAfter === undefined) {
          node.peersGiven.configAfter = event.voters;
          node.peersGiven.configEvidence = event.evidence;
        }
        if (event.voters.length === 0) {
          node.emptyConfig = { time: t, evidence: event.evidence };
          node.leaderSinceEmpty = false;
          node.distressSinceEmpty = 0;
        } else {
          node.voters = event.voters;
          node.votersTime = t;
          node.votersEvidence = event.evidence;
          node.emptyConfig = undefined;
        }
        return;
      case 'peers-given':
        node.peersGiven = { voters: event.voters ?? [], evidence: event.evidence };
        return;
      case 'dropped-proposal':
        if (node.stopping || event.reason === 'no-leader-read') return;
        node.dropped.add(event.evidence, t);
        node.distressSinceEmpty++;
        if (event.term === 0) node.droppedAtTerm0.add(event.evidence, t);
        return;
      case 'leader-wait-timeout':
        node.leaderWait.add(event.evidence, t);
        node.distressSinceEmpty++;
        return;
      case 'peer-unreachable':
        if (!node.stopping) this.unreachable(node, event);
        return;
      case 'peer-recovered':
        node.closeUnreachable(event.peer ?? '?', t);
        return;
      case 'quorum-lost':
        if (!node.stopping) node.quorumLost.push({ time: t, evidence: event.evidence, reason: event.reason });
        if (node.quorumLost.length > LIST_CAP) node.quorumLost.splice(1, 1);
            node.closeLeader(t);
        return;
      case 'not-promotable':
        if (node.stopping) return;
        node.notPromotable.add(event.evidence, t);
        node.distressSinceEmpty++;
        node.leaderSinceNotPromotable = false;
        return;
      case 'cluster-id':
        if (event.clusterId !== undefined) node.clusterIds.add(event.clusterId);
        return;
      case 'cluster-id-mismatch':
        node.clusterIdMismatch.add(event.evidence, t);
        return;
      case 'message-produced':
        node.produced.add(event.evidence, t);
        if (event.peer !== undefined && node.producedTo.size < 100) node.producedTo.add(event.peer);
        return;
      case 'message-received':
        node.received++;
        if (event.peer !== undefined && event.peer !== node.id) {
          group.delivered.add(event.peer);
          const isVote = event.reason !== undefined && /vote/i.test(event.reason);
          if (isVote && !node.stopping && node.voters !== undefined && node.voters.length > 0 && !node.voters.includes(event.peer)) {
            node.removedMember.add(event.evidence, t);
          }
        }
        return;
      case 'slow-disk':
        pushCapped(node.slowDisk, { time: t, evidence: event.evidence, durationMs: event.durationMs, reason: event.reason });
        return;
      case 'heartbeat-late':
        pushCapped(node.heartbeatLate, { time: t, evidence: event.evidence, durationMs: event.durationMs, reason: event.reason });
        return;
      case 'log-out-of-range':
        node.stateReset.add(event.evidence, t);
        return;
      case 'removed-member':
        if (!node.stopping) node.removedMember.add(event.evidence, t);
        return;
      default:
        return;
    }
  }

  private sawLeader(node: NodeState, leader: string, time: number | undefined): void {
    node.leaderSinceEmpty = true;
    node.leaderSinceNotPromotable = true;
    node.leaderSeenCount++;
    if (node.leadersSeen.size < 100) node.leadersSeen.add(leader);
    node.closeCampaign('leader', time);
    node.openLeader(time);
  }

  private attempt(node: NodeState, event: RaftEvent): void {
    if (node.stopping) return;
    node.electionsStarted++;
    pushCapped(node.electionTimes, { time: event.time, term: event.term });
    node.closeLeader(event.time);
    if (!node.campaign) {
      node.campaign = { start: event.time, end: event.time, attempts: 0, evidence: new EvidenceSet(), outcome: 'open', firstTerm: event.term };
      pushCapped(node.campaigns, node.campaign, 200);
    }
    node.campaign.attempts++;
    node.campaign.end = event.time ?? node.campaign.end;
    if (event.term !== undefined) node.campaign.lastTerm = event.term;
    node.campaign.evidence.add(event.evidence, event.time);
  }

  private unreachable(node: NodeState, event: RaftEvent): void {
    const peer = event.peer ?? '?';
    let run = node.openUnreachable.get(peer);
    if (!run) {
      run = { peer, start: event.time, last: event.time, evidence: new EvidenceSet() };
      node.openUnreachable.set(peer, run);
      pushCapped(node.unreachableRuns, run, 500);
    }
    run.last = event.time ?? run.last;
    run.evidence.add(event.evidence, event.time);
  }

  private recordLeader(group: GroupState, term: number, leader: string, event: RaftEvent): void {
    const known = group.leaderByTerm.get(term);
    if (!known) {
      if (group.leaderByTerm.size < 100_000) group.leaderByTerm.set(term, { leader, evidence: event.evidence, time: event.time });
      return;
    }
    if (known.leader === leader) return;
    const existing = group.splitBrain.find((s) => s.term === term);
    if (existing) {
      if (!existing.leaders.includes(leader)) existing.leaders.push(leader);
      if (existing.evidence.length < EVIDENCE_CAP) existing.evidence.push(event.evidence);
    } else if (group.splitBrain.length < 100) {
      group.splitBrain.push({ term, leaders: [known.leader, leader], evidence: [known.evidence, event.evidence], time: event.time ?? known.time });
    }
  }
}
