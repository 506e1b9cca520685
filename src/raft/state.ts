// The consensus state every role shares (term, vote, log, membership, progress) and the
// transitions between roles; message handling lives in leader.ts and protocol.ts.

import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config.js';
import type { RaftEvent, StepDownReason } from './events.js';
import { RaftLog } from './log.js';
import { applyChange, describeChange, isEmptyMembership, isMember, isVoter, learnerIds, memberIds, voterIds } from './membership.js';
import { Progress } from './progress.js';
import { committedIndex, hasQuorum } from './quorum.js';
import { ReadIndexQueue, type ReadRequest } from './read-index.js';
import { cloneMembership, type Storage } from './storage.js';
import { NONE, type ConfChange, type Entry, type HardState, type Membership, type Message, type NodeId, type ReadState, type Ready, type Role, type SoftState } from './types.js';

export type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>;
/** A message before the envelope is filled in: `from` is always us, `term` defaults to ours. */
export type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from' | 'term'> & { term?: number } : never) : never;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A conf-change entry in the log after the snapshot, with the membership it produces. */
interface ConfPoint {
  index: number;
  change: ConfChange;
  membership: Membership;
}

const EMPTY_DATA = new Uint8Array(0);

export abstract class RaftState {
  readonly id: NodeId;
  protected readonly cfg: ResolvedConfig;
  protected readonly log: RaftLog;
  protected term = 0;
  protected vote: NodeId = NONE;
  protected leader: NodeId = NONE;
  protected role: Role = 'follower';

  /**
   * Membership takes effect when its entry is appended, not when it commits (Raft dissertation §4.1):
   * every node decides with the newest configuration in its log, and a truncation reverts it. With at
   * most one uncommitted change in any log, whoever decides (elects, commits) uses either C_old or
   * C_new, and single-server changes make every majority of one overlap every majority of the other.
   * Taking effect on apply would let lagging nodes decide with configurations further apart, and a
   * leader removing itself would keep counting its own vote toward committing its removal. A new
   * leader must commit its no-op before accepting a change (the fix for the single-server bug
   * published after the dissertation), so a change is never built on an uncommitted one of a dead term.
   */
  protected membership: Membership;
  protected baseMembership: Membership;
  protected baseIndex: number;
  protected confPoints: ConfPoint[] = [];
  /** Highest conf-change index already reported as applied (committed). */
  protected confReportedIndex: number;

  protected progress = new Map<NodeId, Progress>();
  protected votes = new Map<NodeId, boolean>();
  protected electionElapsed = 0;
  protected heartbeatElapsed = 0;
  protected randomizedElectionTimeout = 0;
  protected leadTransferee: NodeId = NONE;
  protected lastQuorumCheckPassed = false;
  protected notVoterReported = false;

  protected readonly reads = new ReadIndexQueue();
  /** Read requests that arrived before this leader committed an entry of its term. */
  protected readsAwaitingCommit: ReadRequest[] = [];
  /** Proposals were appended but not yet sent: sending waits for ready() so they go out batched. */
  protected proposalsUnsent = false;

  protected msgs: Message[] = [];
  protected readStates: ReadState[] = [];
  protected prevSoftState: SoftState;
  protected prevHardState: HardState;
  protected readyOutstanding: Ready | undefined;

  constructor(config: RaftConfig, readonly storage: Storage) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.log = new RaftLog(storage);
    const { hardState, membership } = storage.initialState();
    if (hardState.commit > this.log.lastIndex()) {
      throw new Error(`persisted commit ${hardState.commit} is past the last index ${this.log.lastIndex()}`);
    }
    this.log.committed = Math.max(this.log.committed, hardState.commit);
    if (this.cfg.applied !== undefined) this.log.appliedTo(Math.max(this.cfg.applied, this.log.applied));
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.baseMembership = cloneMembership(membership);
    this.baseIndex = storage.snapshot().meta.index;
    this.membership = this.baseMembership;
    const first = Math.max(this.baseIndex + 1, storage.firstIndex());
    this.trackAppended(this.log.slice(first, this.log.lastIndex() + 1) ?? []);
    this.confReportedIndex = this.log.committed;
    // The bootstrap rule: a fresh node starts with a membership that contains it, or none (join).
    // Past the bootstrap term the node may legitimately have been removed, so only fresh state is checked.
    if (hardState.term <= 1 && !isEmptyMembership(this.membership) && !isMember(this.membership, this.id)) {
      throw new Error(`node ${this.id} is not in its initial membership (voters ${voterIds(this.membership).join(',')})`);
    }
    this.prevSoftState = { role: this.role, leader: this.leader };
    this.prevHardState = { ...hardState, commit: this.log.committed };
    this.becomeFollower(this.term, NONE);
  }

  protected hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  protected emit(event: DistributiveOmit<RaftEvent, 'node' | 'term'>): void {
    this.cfg.logger({ ...event, node: this.id, term: this.term } as RaftEvent);
  }

  protected setLeader(leader: NodeId): void {
    if (leader === this.leader) return;
    const previous = this.leader;
    this.leader = leader;
    this.emit({ type: 'leader-changed', leader, previous });
  }

  protected reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + Math.floor(this.cfg.random() * this.cfg.electionTicks);
    this.votes.clear();
    this.progress.clear();
    this.leadTransferee = NONE;
    this.reads.clear();
    this.readsAwaitingCommit = [];
    this.proposalsUnsent = false;
  }

  protected becomeFollower(term: number, leader: NodeId, stepDownReason?: StepDownReason): void {
    const wasLeader = this.role === 'leader';
    this.reset(term);
    this.role = 'follower';
    if (wasLeader && stepDownReason !== undefined) this.emit({ type: 'stepped-down', reason: stepDownReason });
    this.setLeader(leader);
    this.emit({ type: 'became-follower', leader });
  }

  protected becomePreCandidate(): void {
    // A pre-candidate keeps its term and vote: nothing changes unless the pre-vote succeeds.
    this.votes.clear();
    this.role = 'pre-candidate';
    this.setLeader(NONE);
    this.emit({ type: 'became-pre-candidate' });
  }

  protected becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.setLeader(NONE);
    this.emit({ type: 'became-candidate' });
  }

  protected becomeLeader(): void {
    this.reset(this.term);
    this.role = 'leader';
    this.lastQuorumCheckPassed = true;
    for (const id of memberIds(this.membership)) this.addProgress(id);
    this.addProgress(this.id);
    this.setLeader(this.id);
    this.emit({ type: 'became-leader' });
    // The no-op lets this leader commit (and so learn the commit point of) everything before it.
    this.appendEntries([{ type: 'normal', term: this.term, index: 0, data: EMPTY_DATA }]);
  }

  protected addProgress(id: NodeId): void {
    if (this.progress.has(id)) return;
    const pr = new Progress(id, this.log.lastIndex() + 1, this.cfg.maxInflight);
    if (id === this.id) {
      // Our own copy counts toward the commit quorum only once durable (see advance()).
      pr.match = this.log.stableLastIndex();
      pr.becomeReplicate();
    }
    this.progress.set(id, pr);
  }

  protected inLeaderLease(): boolean {
    return this.cfg.checkQuorum && this.leader !== NONE && this.electionElapsed < this.cfg.electionTicks;
  }

  protected quorumActive(): boolean {
    return hasQuorum(voterIds(this.membership), (id) => id === this.id || this.progress.get(id)?.recentActive === true);
  }

  /** Append entries in this term at the end of the leader's log; returns the last index. */
  protected appendEntries(entries: Entry[]): number {
    let index = this.log.lastIndex();
    const stamped = entries.map((e) => ({ ...e, term: this.term, index: ++index }));
    this.log.append(stamped);
    this.trackAppended(stamped);
    this.proposalsUnsent = true;
    this.maybeCommit();
    return index;
  }

  /**
   * Voters campaign; so does a node whose removal is still uncommitted. Otherwise a leader that
   * appended its own removal and then lost its quorum could hold the only copy of the newest log
   * while refusing to campaign, and the remaining voter could never win its vote. Votes are still
   * counted in the newest configuration, so election safety is unchanged.
   */
  protected canCampaign(): boolean {
    if (isVoter(this.membership, this.id)) return true;
    if (!this.hasPendingConfChange()) return false;
    const previous = this.confPoints[this.confPoints.length - 2]?.membership ?? this.baseMembership;
    return isVoter(previous, this.id);
  }

  protected hasPendingConfChange(): boolean {
    const last = this.confPoints[this.confPoints.length - 1];
    return last !== undefined && last.index > this.log.committed;
  }

  protected committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Commit what a majority of voters holds, but only by counting entries of the current term (§5.4.2). */
  protected maybeCommit(): boolean {
    if (this.role !== 'leader') return false;
    const index = committedIndex(voterIds(this.membership), (id) => this.progress.get(id)?.match ?? 0);
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const oldCommit = this.log.committed;
    this.log.commitTo(index);
    this.afterCommit(oldCommit);
    return true;
  }

  protected send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message);
  }

  /** Track conf changes among newly appended entries (which may have replaced a suffix). */
  protected trackAppended(entries: Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const before = this.confPoints.length;
    this.confPoints = this.confPoints.filter((p) => p.index < first.index);
    let changed = this.confPoints.length !== before;
    for (const entry of entries) {
      if (entry.type !== 'conf-change' || entry.index <= this.baseIndex) continue;
      const current = this.confPoints[this.confPoints.length - 1]?.membership ?? this.baseMembership;
      this.confPoints.push({ index: entry.index, change: entry.change, membership: applyChange(current, entry.change) });
      changed = true;
    }
    if (changed) this.setMembership(this.confPoints[this.confPoints.length - 1]?.membership ?? this.baseMembership);
  }

  protected setMembership(next: Membership): void {
    this.membership = next;
    if (isVoter(next, this.id)) this.notVoterReported = false;
    if (this.role !== 'leader') return;
    const ids = new Set(memberIds(next));
    for (const id of ids) this.addProgress(id);
    for (const id of this.progress.keys()) if (id !== this.id && !ids.has(id)) this.progress.delete(id);
    if (this.leadTransferee !== NONE && !isVoter(next, this.leadTransferee)) this.leadTransferee = NONE;
    // A smaller voter set may already hold a majority for pending entries.
    this.maybeCommit();
  }

  /** Report newly committed conf changes, step down if our own removal committed, release reads. */
  protected afterCommit(oldCommit: number): void {
    const committed = this.log.committed;
    if (committed <= oldCommit) return;
    for (const point of this.confPoints) {
      if (point.index <= this.confReportedIndex || point.index > committed) continue;
      this.confReportedIndex = point.index;
      this.emit({
        type: 'membership-applied',
        index: point.index,
        change: describeChange(point.change),
        voters: voterIds(point.membership),
        learners: learnerIds(point.membership),
      });
    }
    if (this.role !== 'leader') return;
    if (!isVoter(this.membership, this.id) && !this.hasPendingConfChange()) {
      // Our removal is committed: tell the followers (so they learn the commit), then leave.
      this.broadcastAppend(true);
      this.becomeFollower(this.term, NONE, 'removed');
      return;
    }
    if (this.readsAwaitingCommit.length > 0 && this.committedInTerm()) {
      const waiting = this.readsAwaitingCommit;
      this.readsAwaitingCommit = [];
      for (const request of waiting) this.leaderReadIndex(request);
    }
  }

  protected abstract broadcastAppend(sendIfEmpty: boolean): void;
  protected abstract leaderReadIndex(request: ReadRequest): void;
}
