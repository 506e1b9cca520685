// The one consensus state every role works on (term, vote, log, membership, progress, outputs),
// the transitions between roles (become* resets it and installs the role's step and tick), and
// the dispatch of messages by term before a role's step function sees them.

import { resolveConfig, type RaftConfig, type ResolvedConfig } from './config.js';
import { handleVoteRequest, stepCandidate, tickElection } from './candidate.js';
import { MembershipLog } from './confchange.js';
import type { RaftEvent, StepDownReason } from './events.js';
import { stepFollower } from './follower.js';
import { broadcastAppend, leaderReadIndex, leaderTransfer, stepLeader, tickLeader } from './leader.js';
import { RaftLog } from './log.js';
import { describeChange, isEmptyMembership, isMember, isVoter, learnerIds, memberIds, voterIds } from './membership.js';
import { receiveProposal } from './proposal.js';
import { ReadIndexQueue, type ReadRequest } from './read-index.js';
import type { Storage } from './storage.js';
import { ProgressTracker } from './tracker.js';
import { NONE, type Entry, type HardState, type Membership, type Message, type NodeId, type ReadState, type Ready, type Role, type SoftState } from './types.js';

export type MessageOf<T extends Message['type']> = Extract<Message, { type: T }>;
/** A message before the envelope is filled in: `from` is always us, `term` defaults to ours. */
export type Outgoing = Message extends infer M ? (M extends Message ? Omit<M, 'from' | 'term'> & { term?: number } : never) : never;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A role's handling of a message of the current term (vote requests excepted, see step()). */
export type StepFunction = (r: Raft, m: Message) => void;
export type TickFunction = (r: Raft) => void;

const EMPTY_DATA = new Uint8Array(0);

/**
 * The fields are public so the role modules (follower, candidate, leader) can work on them; only
 * RaftNode, which extends this class with the public API, is exported from the package.
 */
export class Raft {
  readonly id: NodeId;
  readonly cfg: ResolvedConfig;
  readonly log: RaftLog;
  term = 0;
  vote: NodeId = NONE;
  leader: NodeId = NONE;
  role: Role = 'follower';
  /** The role's step and tick, installed by become* together with `role`. */
  stepRole: StepFunction = stepFollower;
  tickRole: TickFunction = tickElection;

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
  membership: Membership;
  readonly confs: MembershipLog;
  /** Per-member progress and election votes; the progress map is filled only while leading. */
  readonly progress: ProgressTracker;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: NodeId = NONE;
  lastQuorumCheckPassed = false;
  notVoterReported = false;
  /**
   * The runtime reported that the connection to our leader was reset or refused (reportConnectionLost):
   * we no longer vouch for its lease, and campaign after fastElectionTimeout ticks instead of the full
   * timeout. Cleared as soon as any leader's message arrives, or we lead.
   */
  leaderLost = false;
  /** Ticks until a campaign while leaderLost: a few, randomized, drawn when the loss is reported and at each retry. */
  fastElectionTimeout = 0;

  readonly reads = new ReadIndexQueue();
  /** Read requests that arrived before this leader committed an entry of its term. */
  readsAwaitingCommit: ReadRequest[] = [];
  /** Proposals were appended but not yet sent: sending waits for ready() so they go out batched. */
  proposalsUnsent = false;

  msgs: Message[] = [];
  /**
   * A follower's proposals for its leader, apart from `msgs`: they vouch for nothing, so they leave with
   * the next Ready's early messages or at once while a write is in flight (RaftNode.takeSendable).
   */
  forwarded: MessageOf<'propose'>[] = [];
  readStates: ReadState[] = [];
  prevSoftState: SoftState;
  prevHardState: HardState;
  readyOutstanding: Ready | undefined;

  constructor(
    config: RaftConfig,
    readonly storage: Storage,
  ) {
    this.cfg = resolveConfig(config);
    this.id = this.cfg.id;
    this.log = new RaftLog(storage);
    this.progress = new ProgressTracker(this.cfg.maxInflight);
    const { hardState, membership } = storage.initialState();
    if (hardState.commit > this.log.lastIndex()) {
      throw new Error(`persisted commit ${hardState.commit} is past the last index ${this.log.lastIndex()}`);
    }
    this.log.committed = Math.max(this.log.committed, hardState.commit);
    if (this.cfg.applied !== undefined) this.log.appliedTo(Math.max(this.cfg.applied, this.log.applied));
    this.term = hardState.term;
    this.vote = hardState.vote;
    const snapshotIndex = storage.snapshot().meta.index;
    this.confs = new MembershipLog(membership, snapshotIndex);
    this.membership = this.confs.current;
    this.progress.setVoters(voterIds(this.membership));
    const first = Math.max(snapshotIndex + 1, storage.firstIndex());
    this.trackAppended(this.log.slice(first, this.log.lastIndex() + 1) ?? []);
    this.confs.markReported(this.log.committed);
    // The bootstrap rule: a fresh node starts with a membership that contains it, or none (join).
    // Past the bootstrap term the node may legitimately have been removed, so only fresh state is checked.
    if (hardState.term <= 1 && !isEmptyMembership(this.membership) && !isMember(this.membership, this.id)) {
      throw new Error(`node ${this.id} is not in its initial membership (voters ${voterIds(this.membership).join(',')})`);
    }
    this.prevSoftState = { role: this.role, leader: this.leader };
    this.prevHardState = { ...hardState, commit: this.log.committed };
    this.becomeFollower(this.term, NONE);
  }

  /** Every message enters here: the term decides whether it is stale, news, or for the role to step. */
  step(m: Message): void {
    if (m.to !== this.id) return;
    // Requests between a follower and its leader are answered by whoever leads, whatever the term.
    if (m.type === 'read-index' || m.type === 'transfer-leader' || m.type === 'read-index-response') {
      this.stepRequest(m);
      return;
    }
    if (m.type === 'propose') {
      receiveProposal(this, m);
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
      handleVoteRequest(this, m);
      return;
    }
    this.stepRole(this, m);
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
    if (m.type === 'read-index') leaderReadIndex(this, { context: m.context, from: m.from, index: 0, acks: new Set() });
    else leaderTransfer(this, m.transferee);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  emit(event: DistributiveOmit<RaftEvent, 'node' | 'term'>): void {
    this.cfg.logger({ ...event, node: this.id, term: this.term } as RaftEvent);
  }

  send(m: Outgoing): void {
    this.msgs.push({ ...m, from: this.id, term: m.term ?? this.term } as Message);
  }

  setLeader(leader: NodeId): void {
    if (leader === this.leader) return;
    const previous = this.leader;
    this.leader = leader;
    this.emit({ type: 'leader-changed', leader, previous });
  }

  /** What every role change resets: timers, votes, progress, a transfer, pending reads. */
  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = NONE;
    }
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.cfg.electionTicks + Math.floor(this.cfg.random() * this.cfg.electionTicks);
    this.progress.clear();
    this.leadTransferee = NONE;
    this.reads.clear();
    this.readsAwaitingCommit = [];
    this.proposalsUnsent = false;
  }

  becomeFollower(term: number, leader: NodeId, stepDownReason?: StepDownReason): void {
    const wasLeader = this.role === 'leader';
    // The lost leader belonged to an older term; whoever leads the new one has its own connection.
    if (term > this.term) this.leaderLost = false;
    this.reset(term);
    this.role = 'follower';
    this.stepRole = stepFollower;
    this.tickRole = tickElection;
    if (wasLeader && stepDownReason !== undefined) this.emit({ type: 'stepped-down', reason: stepDownReason });
    this.setLeader(leader);
    this.emit({ type: 'became-follower', leader });
  }

  becomePreCandidate(): void {
    // A pre-candidate keeps its term and vote: nothing changes unless the pre-vote succeeds.
    this.progress.resetVotes();
    this.role = 'pre-candidate';
    this.stepRole = stepCandidate;
    this.tickRole = tickElection;
    this.setLeader(NONE);
    this.emit({ type: 'became-pre-candidate' });
  }

  becomeCandidate(): void {
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
    this.stepRole = stepCandidate;
    this.tickRole = tickElection;
    this.setLeader(NONE);
    this.emit({ type: 'became-candidate' });
  }

  becomeLeader(): void {
    this.reset(this.term);
    this.leaderLost = false;
    this.role = 'leader';
    this.stepRole = stepLeader;
    this.tickRole = tickLeader;
    this.lastQuorumCheckPassed = true;
    for (const id of memberIds(this.membership)) this.addProgress(id);
    this.addProgress(this.id);
    this.setLeader(this.id);
    this.emit({ type: 'became-leader' });
    // The no-op lets this leader commit (and so learn the commit point of) everything before it.
    this.appendEntries([{ type: 'normal', term: this.term, index: 0, data: EMPTY_DATA }]);
  }

  private addProgress(id: NodeId): void {
    if (this.progress.get(id) !== undefined) return;
    const pr = this.progress.add(id, this.log.lastIndex() + 1);
    if (id === this.id) {
      // Our own copy counts toward the commit quorum only once durable (see advance()).
      pr.match = this.log.stableLastIndex();
      pr.becomeReplicate();
    }
  }

  /**
   * We heard from a live leader within the election timeout, and its connection was not reset since: a
   * vote or pre-vote for anyone else would disrupt it. A follower whose leader's connection was lost
   * (leaderLost) gives up the lease at once; the other voters keep theirs, so if the leader is alive for
   * them, a candidate disrupted by the reset still wins no pre-vote and no term changes.
   */
  inLeaderLease(): boolean {
    return this.cfg.checkQuorum && this.leader !== NONE && !this.leaderLost && this.electionElapsed < this.cfg.electionTicks;
  }

  /** A leader's append, heartbeat or snapshot: it is alive, so it is trusted again and the timer restarts. */
  heardFromLeader(leader: NodeId): void {
    this.electionElapsed = 0;
    this.leaderLost = false;
    this.setLeader(leader);
  }

  /**
   * A few ticks, randomized so that two followers who lost the same leader rarely campaign together:
   * [electionTicks/5, electionTicks/2), at least one tick, always below the full election timeout.
   */
  drawFastElectionTimeout(): number {
    const low = Math.max(1, Math.floor(this.cfg.electionTicks / 5));
    const high = Math.max(low + 1, Math.floor(this.cfg.electionTicks / 2));
    return low + Math.floor(this.cfg.random() * (high - low));
  }

  quorumActive(): boolean {
    return this.progress.quorumActive(this.id);
  }

  /** Append entries in this term at the end of the leader's log; returns the last index. */
  appendEntries(entries: Entry[]): number {
    let index = this.log.lastIndex();
    const stamped = entries.map((e) => ({ ...e, term: this.term, index: ++index }));
    this.log.append(stamped);
    this.trackAppended(stamped);
    this.proposalsUnsent = true;
    this.maybeCommit();
    return index;
  }

  /** Send pending entries to every follower (ready() batches proposals this way). */
  broadcastAppend(sendIfEmpty: boolean): void {
    broadcastAppend(this, sendIfEmpty);
  }

  /**
   * Voters campaign; so does a node whose removal is still uncommitted. Otherwise a leader that
   * appended its own removal and then lost its quorum could hold the only copy of the newest log
   * while refusing to campaign, and the remaining voter could never win its vote. Votes are still
   * counted in the newest configuration, so election safety is unchanged.
   */
  canCampaign(): boolean {
    if (isVoter(this.membership, this.id)) return true;
    if (!this.hasPendingConfChange()) return false;
    return isVoter(this.confs.previous, this.id);
  }

  hasPendingConfChange(): boolean {
    return this.confs.pending(this.log.committed);
  }

  committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  /** Commit what a majority of voters holds, but only by counting entries of the current term (§5.4.2). */
  maybeCommit(): boolean {
    if (this.role !== 'leader') return false;
    const index = this.progress.committed();
    if (index <= this.log.committed || this.log.term(index) !== this.term) return false;
    const oldCommit = this.log.committed;
    this.log.commitTo(index);
    this.afterCommit(oldCommit);
    return true;
  }

  /** Track conf changes among newly appended entries (which may have replaced a suffix). */
  trackAppended(entries: Entry[]): void {
    if (this.confs.appended(entries)) this.setMembership(this.confs.current);
  }

  setMembership(next: Membership): void {
    this.membership = next;
    this.progress.setVoters(voterIds(next));
    if (isVoter(next, this.id)) this.notVoterReported = false;
    if (this.role !== 'leader') return;
    const ids = new Set(memberIds(next));
    for (const id of ids) this.addProgress(id);
    ids.add(this.id);
    this.progress.retain(ids);
    if (this.leadTransferee !== NONE && !isVoter(next, this.leadTransferee)) this.leadTransferee = NONE;
    // A smaller voter set may already hold a majority for pending entries.
    this.maybeCommit();
  }

  /** Report newly committed conf changes, step down if our own removal committed, release reads. */
  afterCommit(oldCommit: number): void {
    const committed = this.log.committed;
    if (committed <= oldCommit) return;
    for (const point of this.confs.takeCommitted(committed)) {
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
      for (const request of waiting) leaderReadIndex(this, request);
    }
  }
}
