// The leader's side of the protocol: replicating to each follower within its inflight window,
// heartbeats and check-quorum, read-index confirmation, and leadership transfer.

import type { RequestResult } from './config.js';
import { isVoter, voterIds } from './membership.js';
import type { Progress } from './progress.js';
import { hasQuorum } from './quorum.js';
import type { ReadRequest } from './read-index.js';
import { NONE, type Message, type NodeId } from './types.js';
import { RaftState, type MessageOf } from './state.js';

export abstract class RaftLeader extends RaftState {
  protected tickLeader(): void {
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

  protected stepLeader(m: Message): void {
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

  protected sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || to === this.id || pr.paused) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const end = Math.min(this.log.lastIndex() + 1, pr.next + this.cfg.maxEntriesPerAppend);
    const batch = this.log.slice(pr.next, end, this.cfg.maxBytesPerAppend);
    if (prevTerm === undefined || batch === undefined) return this.sendSnapshot(pr);
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

  protected sendSnapshot(pr: Progress): boolean {
    // A snapshot received but not yet persisted is newer than (and replaces) the stored one.
    const snapshot = this.log.pendingSnapshot ?? this.storage.snapshot();
    if (snapshot.meta.index === 0) throw new Error(`log for ${pr.id} is compacted but there is no snapshot`);
    pr.becomeSnapshot(snapshot.meta.index);
    this.send({ type: 'snapshot', to: pr.id, snapshot });
    return true;
  }

  protected broadcastAppend(sendIfEmpty: boolean): void {
    for (const id of this.progress.keys()) this.sendAppend(id, sendIfEmpty);
  }

  protected broadcastHeartbeat(context: string | undefined): void {
    for (const pr of this.progress.values()) {
      if (pr.id === this.id) continue;
      const commit = Math.min(pr.match, this.log.committed);
      this.send({ type: 'heartbeat', to: pr.id, commit, ...(context === undefined ? {} : { context }) });
    }
  }

  protected handleAppendResponse(pr: Progress, m: MessageOf<'append-response'>): void {
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
      if (this.role === 'leader') this.broadcastAppend(false);
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

  protected handleHeartbeatResponse(pr: Progress, m: MessageOf<'heartbeat-response'>): void {
    pr.probeSent = false;
    // Lost appends in replicate state would otherwise block the window for good.
    if (pr.state === 'replicate' && pr.inflights.full) pr.inflights.freeFirst();
    if (pr.match < this.log.lastIndex()) this.sendAppend(pr.id, true);
    if (m.context === undefined) return;
    for (const request of this.reads.ack(pr.id, m.context, voterIds(this.membership))) this.answerRead(request);
  }

  protected leaderReadIndex(request: ReadRequest): void {
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

  protected answerRead(request: ReadRequest): void {
    if (request.from === this.id) this.readStates.push({ context: request.context, index: request.index });
    else this.send({ type: 'read-index-response', to: request.from, context: request.context, index: request.index, reject: false });
  }

  protected leaderTransfer(transferee: NodeId): RequestResult {
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
}
