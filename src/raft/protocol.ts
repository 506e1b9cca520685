// Message dispatch by term and role, elections (pre-vote, votes, leader lease), and the
// follower's handling of appends, heartbeats and snapshots.

import type { StepDownReason } from './events.js';
import { learnerIds, voterIds } from './membership.js';
import { voteResult } from './quorum.js';
import { cloneMembership } from './storage.js';
import { NONE, type Message, type NodeId } from './types.js';
import { RaftLeader } from './leader.js';
import type { MessageOf } from './state.js';

export abstract class RaftProtocol extends RaftLeader {
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

  protected startElection(transfer: boolean): void {
    if (!this.canCampaign()) return;
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
  protected tallyVotes(): boolean {
    const outcome = voteResult(voterIds(this.membership), this.votes);
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

  protected handleVoteRequest(m: MessageOf<'vote' | 'pre-vote'>): void {
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

  protected tickElection(): void {
    this.electionElapsed++;
    if (this.electionElapsed < this.randomizedElectionTimeout) return;
    this.electionElapsed = 0;
    if (!this.canCampaign()) {
      if (!this.notVoterReported) {
        this.notVoterReported = true;
        this.emit({ type: 'not-a-voter', voters: voterIds(this.membership), learners: learnerIds(this.membership) });
      }
      // Silent for a whole election timeout: the leader is gone, and its lease must not block votes.
      this.setLeader(NONE);
      return;
    }
    this.startElection(false);
  }

  protected stepFollower(m: Message): void {
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

  protected stepCandidate(m: Message): void {
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

  protected handleLeaderMessage(m: MessageOf<'append' | 'heartbeat' | 'snapshot'>): void {
    if (m.type === 'append') this.handleAppend(m);
    else if (m.type === 'heartbeat') this.handleHeartbeat(m);
    else this.handleSnapshot(m);
  }

  protected respondAppend(to: NodeId, index: number): void {
    this.send({ type: 'append-response', to, index, reject: false, rejectHint: 0, hintTerm: 0 });
  }

  protected handleAppend(m: MessageOf<'append'>): void {
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

  protected handleHeartbeat(m: MessageOf<'heartbeat'>): void {
    const oldCommit = this.log.committed;
    // The leader caps the commit at what we acknowledged, so it is always within our log.
    this.log.commitTo(m.commit);
    this.afterCommit(oldCommit);
    this.send({ type: 'heartbeat-response', to: m.from, context: m.context });
  }

  protected handleSnapshot(m: MessageOf<'snapshot'>): void {
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

  protected stepRequest(m: MessageOf<'read-index' | 'transfer-leader' | 'read-index-response'>): void {
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
}
