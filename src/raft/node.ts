// RaftNode: the deterministic consensus state machine. Inputs are calls (tick, step, propose, ...);
// outputs accumulate into a Ready that the caller persists, sends and applies, then advance()s.

import { resolveConfig, type ProposeResult, type RaftConfig, type RequestResult, type ResolvedConfig } from './config.js';
import type { DropReason, RaftEvent, StepDownReason } from './events.js';
import { RaftLog } from './log.js';
import {
  applyChange,
  checkChange,
  describeChange,
  isEmptyMembership,
  isMember,
  isVoter,
  learnerIds,
  memberIds,
  voterIds,
} from './membership.js';
import { Progress, hasQuorum, quorumMatch, voteOutcome, type ProgressState } from './progress.js';
import { ReadIndexQueue, type ReadRequest } from './read-index.js';
import { cloneMembership, type Storage } from './storage.js';
import {
  NONE,
  type ConfChange,
  type Entry,
  type HardState,
  type Membership,
  type Message,
  type NodeId,
  type ReadState,
  type Ready,
  type Role,
  type SoftState,
} from './types.js';

type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>;
/** A message before the envelope is filled in: `from` is always us, `term` defaults to ours. */
type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from' | 'term'> & { term?: number } : never) : never;

export interface MemberProgress {
  id: NodeId;
  match: number;
  next: number;
  state: ProgressState;
  recentActive: boolean;
}

export interface Status {
  id: NodeId;
  role: Role;
  term: number;
  leader: NodeId;
  vote: NodeId;
  commit: number;
  applied: number;
  lastIndex: number;
  membership: Membership;
  /** A membership change is in the log but not yet committed. */
  pendingConfChange: boolean;
  /** Leader only: the transferee of a leadership transfer in progress, else 0. */
  leadTransferee: NodeId;
  /** Leader only: replication state per member (including itself). */
  progress?: MemberProgress[];
}

/** A conf-change entry in the log after the snapshot, with the membership it produces. */
interface ConfPoint {
  index: number;
  change: ConfChange;
  membership: Membership;
}

const EMPTY_DATA = new Uint8Array(0);

export class RaftNode {
  readonly id: NodeId;
  private readonly cfg: ResolvedConfig;
  private readonly log: RaftLog;
  private term = 0;
  private vote: NodeId = NONE;
  private leader: NodeId = NONE;
  private role: Role = 'follower';

  /**
   * Membership takes effect when its entry is appended, not when it commits (Raft dissertation §4.1):
   * with one single-server change at a time, any majority of the old and of the new voter set
   * overlap, so using the newest configuration in the log is safe, and a log truncation reverts it.
   * Waiting for commit instead would let a leader count a removed voter toward the quorum that commits
   * its own removal. The new leader's no-op must commit before a change is accepted (the fix for the
   * single-server bug found after the dissertation).
   */
  private membership: Membership;
  private baseMembership: Membership;
  private baseIndex: number;
  private confPoints: ConfPoint[] = [];
  /** Highest conf-change index already reported as applied (committed). */
  private confReportedIndex: number;

  private progress = new Map<NodeId, Progress>();
  private votes = new Map<NodeId, boolean>();
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  private leadTransferee: NodeId = NONE;
  private lastQuorumCheckPassed = false;
  private notVoterReported = false;

  private readonly reads = new ReadIndexQueue();
  /** Read requests that arrived before this leader committed an entry of its term. */
  private readsAwaitingCommit: ReadRequest[] = [];
  /** Proposals were appended but not yet sent: sending waits for ready() so they go out batched. */
  private proposalsUnsent = false;

  private msgs: Message[] = [];
  private readStates: ReadState[] = [];
  private prevSoftState: SoftState;
  private prevHardState: HardState;
  private readyOutstanding: Ready | undefined;

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

  // ---- inputs --------------------------------------------------------------------------------

  tick(): void {
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  /** Start an election now (pre-vote first when enabled), if this node is a voter. */
  campaign(): void {
    if (this.role === 'leader') return;
    this.startElection(false);
  }

  propose(data: Uint8Array): ProposeResult {
    const refused = this.refuseProposal();
    if (refused !== undefined) return this.dropProposal(refused);
    const index = this.appendEntries([{ type: 'normal', term: this.term, index: 0, data }]);
    return { ok: true, index, term: this.term };
  }

  proposeConfChange(change: ConfChange): ProposeResult {
    const refused = this.refuseProposal();
    if (refused !== undefined) return this.dropProposal(refused);
    const described = describeChange(change);
    if (this.hasPendingConfChange() || !this.committedInTerm()) {
      this.emit({ type: 'membership-change-rejected', change: described, reason: 'conf-change-pending' });
      return { ok: false, reason: 'conf-change-pending', leader: this.leader };
    }
    const problem = checkChange(this.membership, change);
    if (problem !== undefined) {
      this.emit({ type: 'membership-change-rejected', change: described, reason: problem });
      const reason: DropReason = problem === 'not-member' ? 'not-member' : 'invalid-change';
      return { ok: false, reason, leader: this.leader, detail: problem };
    }
    const index = this.appendEntries([{ type: 'conf-change', term: this.term, index: 0, change }]);
    return { ok: true, index, term: this.term };
  }

  /**
   * Ask for a linearizable read point; the answer arrives as a ReadState with this context. The
   * context must be unique among outstanding reads. No answer (e.g. leadership lost) means retry.
   */
  readIndex(context: string): RequestResult {
    if (this.role === 'leader') {
      this.leaderReadIndex({ context, from: this.id, index: 0, acks: new Set() });
      return { ok: true };
    }
    if (this.leader === NONE) return { ok: false, reason: 'no-leader', leader: NONE };
    this.send({ type: 'read-index', to: this.leader, context });
    return { ok: true };
  }

  /** Hand leadership to `transferee`; a follower forwards the request to its leader. */
  transferLeader(transferee: NodeId): RequestResult {
    if (this.role === 'leader') return this.leaderTransfer(transferee);
    if (this.leader === NONE) return { ok: false, reason: 'no-leader', leader: NONE };
    this.send({ type: 'transfer-leader', to: this.leader, transferee });
    return { ok: true };
  }

  /** The runtime finished (or failed) sending a snapshot to `to`. */
  reportSnapshot(to: NodeId, ok: boolean): void {
    const pr = this.progress.get(to);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.becomeProbe();
  }

  step(m: Message): void {
    if (m.to !== this.id) return;
    // Requests between a follower and its leader are answered by whoever leads, whatever the term.
    if (m.type === 'read-index' || m.type === 'transfer-leader' || m.type === 'read-index-response') {
      this.stepRequest(m);
      return;
    }
    if (m.term > this.term) {
      if ((m.type === 'vote' || m.type === 'pre-vote') && this.inLeaderLease() && !m.transfer) {
        // We heard from a live leader within the election timeout: this candidate is disruptive.
        this.emit({ type: 'rejected-vote', candidate: m.from, preVote: m.type === 'pre-vote', reason: 'leader-lease' });
        return;
      }
      const keepTerm = m.type === 'pre-vote' || (m.type === 'pre-vote-response' && !m.reject);
      if (!keepTerm) {
        const fromLeader = m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot';
        const reason: StepDownReason = m.from === this.leadTransferee ? 'transfer' : 'higher-term';
        this.becomeFollower(m.term, fromLeader ? m.from : NONE, reason);
      }
    } else if (m.term < this.term) {
      if ((this.cfg.checkQuorum || this.cfg.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // A stale leader that is cut off from the new term would otherwise never learn it.
        this.send({ type: 'append-response', to: m.from, index: 0, reject: false, rejectHint: 0, hintTerm: 0 });
      } else if (m.type === 'pre-vote') {
        this.send({ type: 'pre-vote-response', to: m.from, reject: true });
      }
      return;
    }

    if (m.type === 'vote' || m.type === 'pre-vote') {
      this.handleVoteRequest(m);
      return;
    }
    switch (this.role) {
      case 'follower':
        this.stepFollower(m);
        break;
      case 'pre-candidate':
      case 'candidate':
        this.stepCandidate(m);
        break;
      case 'leader':
        this.stepLeader(m);
        break;
    }
  }

  // ---- outputs -------------------------------------------------------------------------------

  hasReady(): boolean {
    if (this.readyOutstanding !== undefined) return false;
    const soft = this.prevSoftState;
    return (
      this.proposalsUnsent ||
      this.msgs.length > 0 ||
      this.readStates.length > 0 ||
      this.log.unstableEntries().length > 0 ||
      this.log.pendingSnapshot !== undefined ||
      this.log.hasNextCommittedEntries() ||
      soft.role !== this.role ||
      soft.leader !== this.leader ||
      !sameHardState(this.prevHardState, this.hardState())
    );
  }

  ready(): Ready {
    if (this.readyOutstanding !== undefined) throw new Error('ready() called again before advance()');
    if (this.proposalsUnsent) {
      this.proposalsUnsent = false;
      this.broadcastAppend(false);
    }
    const ready: Ready = {
      entries: this.log.unstableEntries(),
      committedEntries: this.log.nextCommittedEntries(),
      messages: this.msgs,
      readStates: this.readStates,
    };
    const soft: SoftState = { role: this.role, leader: this.leader };
    if (soft.role !== this.prevSoftState.role || soft.leader !== this.prevSoftState.leader) {
      ready.softState = soft;
      this.prevSoftState = soft;
    }
    const hard = this.hardState();
    if (!sameHardState(hard, this.prevHardState)) {
      ready.hardState = hard;
      this.prevHardState = hard;
    }
    if (this.log.pendingSnapshot !== undefined) ready.snapshot = this.log.pendingSnapshot;
    this.msgs = [];
    this.readStates = [];
    this.readyOutstanding = ready;
    return ready;
  }

  /** The runtime persisted, sent and applied everything in `ready`. */
  advance(ready: Ready): void {
    if (ready !== this.readyOutstanding) throw new Error('advance() must be given the last ready()');
    this.readyOutstanding = undefined;
    if (ready.snapshot !== undefined) this.log.stableSnapshotTo(ready.snapshot.meta.index);
    const lastEntry = ready.entries[ready.entries.length - 1];
    if (lastEntry !== undefined) this.log.stableTo(lastEntry.index, lastEntry.term);
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    if (lastApplied !== undefined) this.log.appliedTo(lastApplied.index);
  }

  status(): Status {
    const status: Status = {
      id: this.id,
      role: this.role,
      term: this.term,
      leader: this.leader,
      vote: this.vote,
      commit: this.log.committed,
      applied: this.log.applied,
      lastIndex: this.log.lastIndex(),
      membership: cloneMembership(this.membership),
      pendingConfChange: this.hasPendingConfChange(),
      leadTransferee: this.leadTransferee,
    };
    if (this.role === 'leader') {
      status.progress = [...this.progress.values()]
        .sort((a, b) => a.id - b.id)
        .map((pr) => ({
          id: pr.id,
          match: pr.match,
          next: pr.next,
          state: pr.state,
          recentActive: pr.id === this.id || pr.recentActive,
        }));
    }
    return status;
  }

  /**
   * For /health. A leader: a quorum of voters was heard from within the last election timeout.
   * Anyone else: it knows a leader and heard from it within the last election timeout.
   */
  hasActiveQuorum(): boolean {
    if (this.role === 'leader') return this.lastQuorumCheckPassed || this.quorumActive();
    return this.leader !== NONE && this.electionElapsed < this.cfg.electionTicks;
  }

  // ---- roles -----------------------------------------------------------------------------------

  private hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  private emit(event: DistributiveOmit<RaftEvent, 'node' | 'term'>): void {
    this.cfg.logger({ ...event, node: this.id, term: this.term } as RaftEvent);
  }

  private setLeader(leader: NodeId): void {
    if (leader === this.leader) return;
    const previous = this.leader;
    this.leader = leader;
    this.emit({ type: 'leader-changed', leader, previous });
  }

  private reset(term: number): void {
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

  private becomeFollower(term: number, leader: NodeId, stepDownReason?: StepDownReason): void {
    const wasLeader = this.role === 'leader';
    this.reset(term);
    this.role = 'follower';
    if (wasLeader && stepDownReason !== undefined) this.emit({ type: 'stepped-down', reason: stepDownReason });
    this.setLeader(leader);
    this.emit({ type: 'became-follower', leader });
  }

  private becomePreCandidate(): void {
    // A pre-candidate keeps its term and vote: nothing changes unless the pre-vote succeeds.
    this.votes.clear();
    this.role = 'pre-candidate';
    this.setLeader(NONE);
    this.emit({ type: 'became-pre-candidate' });
  }

  private becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.setLeader(NONE);
    this.emit({ type: 'became-candidate' });
  }

  private becomeLeader(): void {
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

  private addProgress(id: NodeId): void {
    if (this.progress.has(id)) return;
    const pr = new Progress(id, this.log.lastIndex() + 1, this.cfg.maxInflight);
    if (id === this.id) {
      pr.match = this.log.lastIndex();
      pr.becomeReplicate();
    }
    this.progress.set(id, pr);
  }

  private startElection(transfer: boolean): void {
    if (!isVoter(this.membership, this.id)) return;
    const preVote = this.cfg.preVote && !transfer;
    if (preVote) this.becomePreCandidate();
    else this.becomeCandidate();
    const voters = voterIds(this.membership);
    const lastIndex = this.log.lastIndex();
    const lastTerm = this.log.lastTerm();
    this.emit({ type: 'starting-election', preVote, voters, lastIndex, lastTerm });
    this.votes.set(this.id, true);
    if (this.tallyVotes()) return;
    const type = preVote ? 'pre-vote' : 'vote';
    const term = preVote ? this.term + 1 : this.term;
    for (const to of voters) {
      if (to !== this.id) this.send({ type, to, term, lastIndex, lastTerm, transfer });
    }
  }

  /** Act on the votes so far; true when the election is decided. */
  private tallyVotes(): boolean {
    const outcome = voteOutcome(voterIds(this.membership), this.votes);
    if (outcome === 'won') {
      if (this.role === 'pre-candidate') this.startElection(true);
      else this.becomeLeader();
      return true;
    }
    if (outcome === 'lost') {
      this.becomeFollower(this.term, NONE);
      return true;
    }
    return false;
  }

  private inLeaderLease(): boolean {
    return this.cfg.checkQuorum && this.leader !== NONE && this.electionElapsed < this.cfg.electionTicks;
  }

  private handleVoteRequest(m: MessageOf<'vote' | 'pre-vote'>): void {
    const preVote = m.type === 'pre-vote';
    const canVote =
      this.vote === m.from || (this.vote === NONE && this.leader === NONE) || (preVote && m.term > this.term);
    const upToDate = this.log.isUpToDate(m.lastIndex, m.lastTerm);
    const responseType = preVote ? 'pre-vote-response' : 'vote-response';
    if (canVote && upToDate) {
      // A granted pre-vote answers in the term the candidate would campaign in.
      this.send({ type: responseType, to: m.from, term: m.term, reject: false });
      if (!preVote) {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
      this.emit({ type: 'cast-vote', candidate: m.from, preVote });
    } else {
      this.send({ type: responseType, to: m.from, reject: true });
      const reason = !canVote ? (this.vote !== NONE ? 'already-voted' : 'has-leader') : 'log-not-up-to-date';
      this.emit({ type: 'rejected-vote', candidate: m.from, preVote, reason });
    }
  }

  private tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed < this.randomizedElectionTimeout) return;
    this.electionElapsed = 0;
    if (!isVoter(this.membership, this.id)) {
      if (!this.notVoterReported) {
        this.notVoterReported = true;
        this.emit({ type: 'not-a-voter', voters: voterIds(this.membership), learners: learnerIds(this.membership) });
      }
      return;
    }
    this.startElection(false);
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.cfg.electionTicks) {
      this.electionElapsed = 0;
      if (this.cfg.checkQuorum) {
        this.lastQuorumCheckPassed = this.quorumActive();
        for (const pr of this.progress.values()) if (pr.id !== this.id) pr.recentActive = false;
        if (!this.lastQuorumCheckPassed) {
          this.becomeFollower(this.term, NONE, 'check-quorum');
          return;
        }
      }
      // A transfer that has not finished within an election timeout is abandoned.
      this.leadTransferee = NONE;
    }
    for (const pr of this.progress.values()) {
      if (pr.state === 'snapshot' && ++pr.snapshotTicks > 2 * this.cfg.electionTicks) pr.becomeProbe();
    }
    if (this.heartbeatElapsed >= this.cfg.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat(this.reads.lastContext());
    }
  }

  private quorumActive(): boolean {
    return hasQuorum(voterIds(this.membership), (id) => id === this.id || this.progress.get(id)?.recentActive === true);
  }

  // ---- followers and candidates ----------------------------------------------------------------

  private stepFollower(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        this.electionElapsed = 0;
        this.setLeader(m.from);
        this.handleLeaderMessage(m);
        break;
      case 'timeout-now':
        // The leader picked us: campaign at once, skipping pre-vote and the voters' lease check.
        this.startElection(true);
        break;
      default:
        break;
    }
  }

  private stepCandidate(m: Message): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Someone won this term.
        this.becomeFollower(this.term, m.from);
        this.handleLeaderMessage(m);
        break;
      case 'vote-response':
      case 'pre-vote-response':
        if ((m.type === 'pre-vote-response') !== (this.role === 'pre-candidate')) return;
        this.votes.set(m.from, !m.reject);
        this.tallyVotes();
        break;
      default:
        break;
    }
  }

  private handleLeaderMessage(m: MessageOf<'append' | 'heartbeat' | 'snapshot'>): void {
    if (m.type === 'append') this.handleAppend(m);
    else if (m.type === 'heartbeat') this.handleHeartbeat(m);
    else this.handleSnapshot(m);
  }

  private respondAppend(to: NodeId, index: number): void {
    this.send({ type: 'append-response', to, index, reject: false, rejectHint: 0, hintTerm: 0 });
  }

  private handleAppend(m: MessageOf<'append'>): void {
    if (m.prevIndex < this.log.committed) {
      this.respondAppend(m.from, this.log.committed);
      return;
    }
    const oldCommit = this.log.committed;
    const result = this.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
    if (result === undefined) {
      const hint = this.log.findConflictByTerm(Math.min(m.prevIndex, this.log.lastIndex()), m.prevTerm);
      this.send({
        type: 'append-response',
        to: m.from,
        index: m.prevIndex,
        reject: true,
        rejectHint: hint.index,
        hintTerm: hint.term,
      });
      return;
    }
    this.trackAppended(result.appended);
    this.afterCommit(oldCommit);
    this.respondAppend(m.from, result.lastNew);
  }

  private handleHeartbeat(m: MessageOf<'heartbeat'>): void {
    const oldCommit = this.log.committed;
    // The leader caps the commit at what we acknowledged, so it is always within our log.
    this.log.commitTo(m.commit);
    this.afterCommit(oldCommit);
    this.send({ type: 'heartbeat-response', to: m.from, context: m.context });
  }

  private handleSnapshot(m: MessageOf<'snapshot'>): void {
    const { meta } = m.snapshot;
    if (meta.index <= this.log.committed) {
      this.respondAppend(m.from, this.log.committed);
      return;
    }
    if (this.log.matchTerm(meta.index, meta.term)) {
      // We already hold everything the snapshot covers: just move the commit forward.
      const oldCommit = this.log.committed;
      this.log.commitTo(meta.index);
      this.afterCommit(oldCommit);
      this.respondAppend(m.from, this.log.committed);
      return;
    }
    this.log.restore(m.snapshot);
    this.baseMembership = cloneMembership(meta.membership);
    this.baseIndex = meta.index;
    this.confPoints = [];
    this.confReportedIndex = meta.index;
    this.setMembership(this.baseMembership);
    this.respondAppend(m.from, this.log.lastIndex());
  }

  private stepRequest(m: MessageOf<'read-index' | 'transfer-leader' | 'read-index-response'>): void {
    if (m.type === 'read-index-response') {
      if (!m.reject) this.readStates.push({ context: m.context, index: m.index });
      return;
    }
    if (this.role !== 'leader') {
      if (m.type === 'read-index') {
        this.send({ type: 'read-index-response', to: m.from, context: m.context, index: 0, reject: true });
      }
      return;
    }
    if (m.type === 'read-index') this.leaderReadIndex({ context: m.context, from: m.from, index: 0, acks: new Set() });
    else this.leaderTransfer(m.transferee);
  }

  // ---- leader ----------------------------------------------------------------------------------

  private stepLeader(m: Message): void {
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    if (m.type === 'append-response') {
      pr.recentActive = true;
      this.handleAppendResponse(pr, m);
    } else if (m.type === 'heartbeat-response') {
      pr.recentActive = true;
      this.handleHeartbeatResponse(pr, m);
    }
  }

  private refuseProposal(): DropReason | undefined {
    if (this.role !== 'leader') return this.leader === NONE ? 'no-leader' : 'not-leader';
    if (this.leadTransferee !== NONE) return 'transferring';
    return undefined;
  }

  private dropProposal(reason: DropReason): ProposeResult {
    this.emit({ type: 'proposal-dropped', reason });
    return { ok: false, reason, leader: this.leader };
  }

  /** Append entries in this term at the end of the leader's log; returns the last index. */
  private appendEntries(entries: Entry[]): number {
    let index = this.log.lastIndex();
    const stamped = entries.map((e) => ({ ...e, term: this.term, index: ++index }));
    this.log.append(stamped);
    this.progress.get(this.id)?.maybeUpdate(index);
    this.trackAppended(stamped);
    this.proposalsUnsent = true;
    this.maybeCommit();
    return index;
  }

  private hasPendingConfChange(): boolean {
    const last = this.confPoints[this.confPoints.length - 1];
    return last !== undefined && last.index > this.log.committed;
  }

  private committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Commit what a majority of voters holds, but only by counting entries of the current term (§5.4.2). */
  private maybeCommit(): boolean {
    if (this.role !== 'leader') return false;
    const index = quorumMatch(voterIds(this.membership), (id) => this.progress.get(id)?.match ?? 0);
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const oldCommit = this.log.committed;
    this.log.commitTo(index);
    this.afterCommit(oldCommit);
    return true;
  }

  private send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message);
  }

  private sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || to === this.id || pr.paused) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const entries = this.log.slice(pr.next, this.log.lastIndex() + 1, this.cfg.maxBytesPerAppend);
    if (prevTerm === undefined || entries === undefined) return this.sendSnapshot(pr);
    const batch = entries.slice(0, this.cfg.maxEntriesPerAppend);
    if (batch.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'append', to, prevIndex, prevTerm, entries: batch, commit: this.log.committed });
    const last = batch[batch.length - 1];
    if (pr.state === 'replicate' && last !== undefined) {
      pr.next = last.index + 1;
      pr.inflights.add(last.index);
    } else if (pr.state === 'probe') {
      pr.probeSent = true;
    }
    return true;
  }

  private sendSnapshot(pr: Progress): boolean {
    const snapshot = this.storage.snapshot();
    if (snapshot.meta.index === 0) throw new Error(`log for ${pr.id} is compacted but there is no snapshot`);
    pr.becomeSnapshot(snapshot.meta.index);
    this.send({ type: 'snapshot', to: pr.id, snapshot });
    return true;
  }

  private broadcastAppend(sendIfEmpty: boolean): void {
    for (const id of this.progress.keys()) this.sendAppend(id, sendIfEmpty);
  }

  private broadcastHeartbeat(context: string | undefined): void {
    for (const pr of this.progress.values()) {
      if (pr.id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to: pr.id, commit, ...(context === undefined ? {} : { context }) });
    }
  }

  private handleAppendResponse(pr: Progress, m: MessageOf<'append-response'>): void {
    if (m.reject) {
      // The follower's hint (an index and its term) lets us skip a whole term per round trip.
      const probeFrom =
        m.hintTerm > 0 ? this.log.findConflictByTerm(m.rejectHint, m.hintTerm).index : m.rejectHint;
      if (pr.maybeDecreaseTo(m.index, probeFrom)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.sendAppend(pr.id, false);
      }
      return;
    }
    const wasPaused = pr.paused;
    if (!pr.maybeUpdate(m.index)) return;
    if (pr.state === 'probe') pr.becomeReplicate();
    else if (pr.state === 'snapshot' && pr.match >= pr.pendingSnapshot) {
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') pr.inflights.freeUpTo(m.index);

    if (this.maybeCommit()) {
      if (this.role === 'leader') this.broadcastAppend(true);
    } else if (wasPaused) {
      this.sendAppend(pr.id, false);
    }
    if (this.role !== 'leader') return;
    while (this.sendAppend(pr.id, false)) {
      // Fill the inflight window.
    }
    if (pr.id === this.leadTransferee && pr.match === this.log.lastIndex()) {
      this.send({ type: 'timeout-now', to: pr.id });
    }
  }

  private handleHeartbeatResponse(pr: Progress, m: MessageOf<'heartbeat-response'>): void {
    pr.probeSent = false;
    // Lost appends in replicate state would otherwise block the window for good.
    if (pr.state === 'replicate' && pr.inflights.full) pr.inflights.freeUpTo(pr.match + 1);
    if (pr.match < this.log.lastIndex()) this.sendAppend(pr.id, true);
    if (m.context === undefined) return;
    for (const request of this.reads.ack(pr.id, m.context, voterIds(this.membership))) this.answerRead(request);
  }

  private leaderReadIndex(request: ReadRequest): void {
    // Until an entry of this term commits, our commit index may be behind the true one (§6.4).
    if (!this.committedInTerm()) {
      this.readsAwaitingCommit.push(request);
      return;
    }
    request.index = this.log.committed;
    request.acks = new Set([this.id]);
    const voters = voterIds(this.membership);
    if (hasQuorum(voters, (id) => id === this.id)) {
      this.answerRead(request);
      return;
    }
    this.reads.add(request);
    this.broadcastHeartbeat(request.context);
  }

  private answerRead(request: ReadRequest): void {
    if (request.from === this.id) this.readStates.push({ context: request.context, index: request.index });
    else this.send({ type: 'read-index-response', to: request.from, context: request.context, index: request.index, reject: false });
  }

  private leaderTransfer(transferee: NodeId): RequestResult {
    if (transferee === this.id) return { ok: true };
    if (!isVoter(this.membership, transferee)) return { ok: false, reason: 'not-voter', leader: this.leader };
    const pr = this.progress.get(transferee);
    if (pr === undefined) return { ok: false, reason: 'not-voter', leader: this.leader };
    if (this.leadTransferee === transferee) return { ok: true };
    this.leadTransferee = transferee;
    // The transfer gets one election timeout to finish; tickLeader abandons it after that.
    this.electionElapsed = 0;
    this.emit({ type: 'leadership-transfer-started', to: transferee });
    if (pr.match === this.log.lastIndex()) this.send({ type: 'timeout-now', to: transferee });
    else this.sendAppend(transferee, true);
    return { ok: true };
  }

  // ---- membership --------------------------------------------------------------------------------

  /** Track conf changes among newly appended entries (which may have replaced a suffix). */
  private trackAppended(entries: Entry[]): void {
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

  private setMembership(next: Membership): void {
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
  private afterCommit(oldCommit: number): void {
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
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
