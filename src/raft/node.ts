// RaftNode: the deterministic consensus state machine's public API over the one state (raft.ts).
// Inputs are calls (tick, step, propose, ...); outputs accumulate into a Ready that the caller
// persists, sends and applies, then advance()s.

import { campaign } from './candidate.js';
import type { ConfChangeResult, Dropped, ProposeResult, RaftConfig, RequestResult } from './config.js';
import type { DropReason } from './events.js';
import { hasCommitUnsent, leaderReadIndex, leaderTransfer, sendCommit } from './leader.js';
import { checkChange, describeChange } from './membership.js';
import { forwardProposal } from './proposal.js';
import type { ProgressState } from './progress.js';
import { Raft } from './raft.js';
import { cloneMembership, type Storage } from './storage.js';
import { NONE, type ConfChange, type HardState, type Membership, type Message, type MessageType, type NodeId, type Ready, type Role, type SoftState } from './types.js';

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

export class RaftNode extends Raft {
  constructor(config: RaftConfig, storage: Storage) {
    super(config, storage);
  }

  tick(): void {
    this.tickRole(this);
  }

  /** Start an election now (pre-vote first when enabled), if this node is a voter. */
  campaign(): void {
    if (this.role === 'leader') return;
    campaign(this, false);
  }

  /**
   * Append `data` to the log if this node leads; a follower that knows a leader hands it over (the
   * caller recognises its entry when it applies it); anyone else drops it.
   */
  propose(data: Uint8Array): ProposeResult {
    const entry = { type: 'normal' as const, term: 0, index: 0, data };
    if (this.role === 'follower' && this.leader !== NONE) {
      forwardProposal(this, entry);
      return { ok: true, forwarded: true, leader: this.leader, term: this.term };
    }
    const refused = this.refuseProposal();
    if (refused !== undefined) return this.dropProposal(refused);
    const index = this.appendEntries([entry]);
    return { ok: true, forwarded: false, index, term: this.term };
  }

  proposeConfChange(change: ConfChange): ConfChangeResult {
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
      leaderReadIndex(this, { context, from: this.id, index: 0, acks: new Set() });
      return { ok: true };
    }
    if (this.leader === NONE) return { ok: false, reason: 'no-leader', leader: NONE };
    this.send({ type: 'read-index', to: this.leader, context });
    return { ok: true };
  }

  /**
   * While a Ready is being written: what may leave at once instead of waiting for the next Ready. Only a
   * follower's proposals: they vouch for nothing. A leader's appends and commit index wait for the next
   * Ready although the rule of ready() would let them go: sending them during the write made the
   * followers' fsyncs overlap the leader's, and on one shared disk (docs/benchmarks.md, A/B of
   * 2026-12-07 06:43) that cost 5% of spread and 2% of leader-only throughput for no latency won.
   */
  takeSendable(): Message[] {
    if (this.forwarded.length === 0) return [];
    const proposals = this.forwarded;
    this.forwarded = [];
    return proposals;
  }

  /** Hand leadership to `transferee`; a follower forwards the request to its leader. */
  transferLeader(transferee: NodeId): RequestResult {
    if (this.role === 'leader') return leaderTransfer(this, transferee);
    if (this.leader === NONE) return { ok: false, reason: 'no-leader', leader: NONE };
    this.send({ type: 'transfer-leader', to: this.leader, transferee });
    return { ok: true };
  }

  /**
   * The runtime's connection to `peer` closed with a reset or end-of-stream and reconnecting was refused:
   * its process is gone, not merely slow or silent (a timeout is never reported here). If `peer` is our
   * leader we stop vouching for its lease and campaign (pre-vote first) after a few ticks instead of the
   * full election timeout. Safe whatever the truth: a leader alive for the others keeps their leases, so
   * they refuse our pre-vote and no term changes; its next message makes us trust it again.
   */
  reportConnectionLost(peer: NodeId): void {
    if (this.role !== 'follower' || peer === NONE || peer !== this.leader || this.leaderLost) return;
    this.leaderLost = true;
    this.electionElapsed = 0;
    this.fastElectionTimeout = this.drawFastElectionTimeout();
    this.emit({ type: 'leader-connection-lost', leader: peer, campaignInTicks: this.fastElectionTimeout });
  }

  /** The runtime finished (or failed) sending a snapshot to `to`. */
  reportSnapshot(to: NodeId, ok: boolean): void {
    const pr = this.progress.get(to);
    if (this.role !== 'leader' || pr === undefined || pr.state !== 'snapshot') return;
    if (!ok) pr.becomeProbe();
  }

  hasReady(): boolean {
    if (this.readyOutstanding !== undefined) return false;
    const soft = this.prevSoftState;
    return (
      this.proposalsUnsent ||
      hasCommitUnsent(this) ||
      this.msgs.length > 0 ||
      this.forwarded.length > 0 ||
      this.readStates.length > 0 ||
      this.log.hasUnstableEntries() ||
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
    sendCommit(this);
    const hard = this.hardState();
    // Every Ready that changes term or vote is written before the next one is made (mustSync), so the
    // previous Ready's term and vote are what is on disk.
    const termOrVoteChanged = hard.term !== this.prevHardState.term || hard.vote !== this.prevHardState.vote;
    const entries = this.log.unstableEntries();
    const snapshot = this.log.pendingSnapshot;
    const ready: Ready = {
      entries,
      committedEntries: this.log.nextCommittedEntries(),
      messages: [],
      persistedMessages: [],
      readStates: this.readStates,
      mustSync: entries.length > 0 || snapshot !== undefined || termOrVoteChanged,
    };
    // Thesis §10.2.1: a leader of a term already on disk may send before its own write, because it counts
    // its copy toward the commit quorum only once advance() says it is durable. Anything else a node says
    // (votes, responses acknowledging entries) vouches for state this Ready makes durable.
    const leaderOfDurableTerm = this.role === 'leader' && !termOrVoteChanged && snapshot === undefined;
    for (const message of this.msgs) (leaderOfDurableTerm && SENDABLE_BEFORE_WRITE.has(message.type) ? ready.messages : ready.persistedMessages).push(message);
    // A follower's proposals vouch for nothing, whatever this Ready writes.
    ready.messages.push(...this.forwarded);
    this.forwarded = [];
    const soft: SoftState = { role: this.role, leader: this.leader };
    if (soft.role !== this.prevSoftState.role || soft.leader !== this.prevSoftState.leader) {
      ready.softState = soft;
      this.prevSoftState = soft;
    }
    if (!sameHardState(hard, this.prevHardState)) {
      ready.hardState = hard;
      this.prevHardState = hard;
    }
    if (snapshot !== undefined) ready.snapshot = snapshot;
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
    if (lastEntry !== undefined) {
      this.log.stableTo(lastEntry.index, lastEntry.term);
      // The runtime may send a leader's appends before its own fsync, so the leader counts itself toward the
      // commit quorum only here, and only if a later append did not replace what was written.
      const ownCopyDurable = this.role === 'leader' && this.log.term(lastEntry.index) === lastEntry.term;
      if (ownCopyDurable && this.progress.get(this.id)?.maybeUpdate(lastEntry.index) === true) this.maybeCommit();
    }
    const lastApplied = ready.committedEntries[ready.committedEntries.length - 1];
    // A snapshot stepped in while this Ready was being written has already moved applied past it.
    if (lastApplied !== undefined && lastApplied.index > this.log.applied) this.log.appliedTo(lastApplied.index);
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
    return this.leader !== NONE && !this.leaderLost && this.electionElapsed < this.cfg.electionTicks;
  }

  private refuseProposal(): DropReason | undefined {
    if (this.role !== 'leader') return this.leader === NONE ? 'no-leader' : 'not-leader';
    if (this.leadTransferee !== NONE) return 'transferring';
    return undefined;
  }

  private dropProposal(reason: DropReason): Dropped {
    this.emit({ type: 'proposal-dropped', reason });
    return { ok: false, reason, leader: this.leader };
  }
}

/** What a leader sends about its own log and term: none of it acknowledges anything of someone else's. */
const SENDABLE_BEFORE_WRITE: ReadonlySet<MessageType> = new Set<MessageType>(['append', 'heartbeat', 'snapshot', 'timeout-now', 'read-index-response']);

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}
