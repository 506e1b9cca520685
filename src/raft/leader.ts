// The leader's role: replicating to each follower within its inflight window, heartbeats and
// check-quorum, read-index confirmation, and leadership transfer.

import type { RequestResult } from './config.js';
import { isVoter } from './membership.js';
import type { Progress } from './progress.js';
import { hasQuorum } from './quorum.js';
import type { MessageOf, Raft } from './raft.js';
import type { ReadRequest } from './read-index.js';
import { NONE, type Message, type NodeId } from './types.js';

export function tickLeader(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.cfg.electionTicks) {
    r.electionElapsed = 0;
    if (r.cfg.checkQuorum) {
      r.lastQuorumCheckPassed = r.quorumActive();
      for (const pr of r.progress.values()) if (pr.id !== r.id) pr.recentActive = false;
      if (!r.lastQuorumCheckPassed) {
        r.becomeFollower(r.term, NONE, 'check-quorum');
        return;
      }
    }
    // A transfer that has not finished within an election timeout is abandoned.
    r.leadTransferee = NONE;
  }
  for (const pr of r.progress.values()) {
    if (pr.state === 'snapshot' && ++pr.snapshotTicks > 2 * r.cfg.electionTicks) pr.becomeProbe();
  }
  if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
    r.heartbeatElapsed = 0;
    broadcastHeartbeat(r, r.reads.lastContext());
  }
}

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.progress.get(m.from);
  if (pr === undefined) return;
  if (m.type === 'append-response') {
    pr.recentActive = true;
    handleAppendResponse(r, pr, m);
  } else if (m.type === 'heartbeat-response') {
    pr.recentActive = true;
    handleHeartbeatResponse(r, pr, m);
  }
}

/** Send `to` the next batch of entries (or a snapshot if they are compacted); false when nothing went out. */
export function sendAppend(r: Raft, to: NodeId, sendIfEmpty: boolean): boolean {
  const pr = r.progress.get(to);
  if (pr === undefined || to === r.id || pr.paused) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  const end = Math.min(r.log.lastIndex() + 1, pr.next + r.cfg.maxEntriesPerAppend);
  const batch = r.log.slice(pr.next, end, r.cfg.maxBytesPerAppend);
  if (prevTerm === undefined || batch === undefined) return sendSnapshot(r, pr);
  if (batch.length === 0 && !sendIfEmpty) return false;
  r.send({ type: 'append', to, prevIndex, prevTerm, entries: batch, commit: r.log.committed });
  pr.sentCommit = r.log.committed;
  const last = batch[batch.length - 1];
  if (pr.state === 'replicate' && last !== undefined) {
    pr.next = last.index + 1;
    pr.inflights.add(last.index);
  } else if (pr.state === 'probe') {
    pr.probeSent = true;
  }
  return true;
}

function sendSnapshot(r: Raft, pr: Progress): boolean {
  // A snapshot received but not yet persisted is newer than (and replaces) the stored one.
  const snapshot = r.log.pendingSnapshot ?? r.storage.snapshot();
  if (snapshot.meta.index === 0) throw new Error(`log for ${pr.id} is compacted but there is no snapshot`);
  pr.becomeSnapshot(snapshot.meta.index);
  r.send({ type: 'snapshot', to: pr.id, snapshot });
  return true;
}

/** Followers that can take an append and have not been told the current commit index. */
function commitUnsent(r: Raft, pr: Progress): boolean {
  return pr.id !== r.id && !pr.paused && pr.sentCommit < r.log.committed;
}

/** Asked by hasReady() on every turn of the Ready loop: a plain scan, no array built. */
export function hasCommitUnsent(r: Raft): boolean {
  if (r.role !== 'leader') return false;
  for (const pr of r.progress.values()) if (commitUnsent(r, pr)) return true;
  return false;
}

/**
 * Tell every follower the new commit index, with an empty append where no entries are due. A follower
 * answers the writes its own clients made only once it applies them, so waiting for the next entries or
 * heartbeat to carry the commit would add up to a heartbeat interval to every such write. Called once per
 * Ready, so a batch of acknowledgements costs one message per follower.
 */
export function sendCommit(r: Raft): void {
  if (r.role !== 'leader') return;
  for (const pr of r.progress.values()) if (commitUnsent(r, pr)) sendAppend(r, pr.id, true);
}

export function broadcastAppend(r: Raft, sendIfEmpty: boolean): void {
  for (const id of r.progress.ids()) sendAppend(r, id, sendIfEmpty);
}

function broadcastHeartbeat(r: Raft, context: string | undefined): void {
  for (const pr of r.progress.values()) {
    if (pr.id === r.id) continue;
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: 'heartbeat', to: pr.id, commit, ...(context === undefined ? {} : { context }) });
  }
}

function handleAppendResponse(r: Raft, pr: Progress, m: MessageOf<'append-response'>): void {
  if (m.reject) {
    // The follower's hint (an index and its term) lets us skip a whole term per round trip.
    const probeFrom = m.hintTerm > 0 ? r.log.findConflictByTerm(m.rejectHint, m.hintTerm).index : m.rejectHint;
    if (pr.maybeDecreaseTo(m.index, probeFrom)) {
      if (pr.state === 'replicate') pr.becomeProbe();
      sendAppend(r, pr.id, false);
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

  if (r.maybeCommit()) {
    if (r.role === 'leader') broadcastAppend(r, false);
  } else if (wasPaused) {
    sendAppend(r, pr.id, false);
  }
  if (r.role !== 'leader') return;
  while (sendAppend(r, pr.id, false)) {
    // Fill the inflight window.
  }
  if (pr.id === r.leadTransferee && pr.match === r.log.lastIndex()) {
    r.send({ type: 'timeout-now', to: pr.id });
  }
}

function handleHeartbeatResponse(r: Raft, pr: Progress, m: MessageOf<'heartbeat-response'>): void {
  pr.probeSent = false;
  // Lost appends in replicate state would otherwise block the window for good.
  if (pr.state === 'replicate' && pr.inflights.full) pr.inflights.freeFirst();
  if (pr.match < r.log.lastIndex()) sendAppend(r, pr.id, true);
  if (m.context === undefined) return;
  for (const request of r.reads.ack(pr.id, m.context, r.progress.voters)) answerRead(r, request);
}

/** Confirm a read point with a quorum of heartbeats, or answer at once when this leader alone is a quorum. */
export function leaderReadIndex(r: Raft, request: ReadRequest): void {
  // Until an entry of this term commits, our commit index may be behind the true one (§6.4).
  if (!r.committedInTerm()) {
    r.readsAwaitingCommit.push(request);
    return;
  }
  request.index = r.log.committed;
  request.acks = new Set([r.id]);
  if (hasQuorum(r.progress.voters, (id) => id === r.id)) {
    answerRead(r, request);
    return;
  }
  r.reads.add(request);
  broadcastHeartbeat(r, request.context);
}

function answerRead(r: Raft, request: ReadRequest): void {
  if (request.from === r.id) r.readStates.push({ context: request.context, index: request.index });
  else r.send({ type: 'read-index-response', to: request.from, context: request.context, index: request.index, reject: false });
}

export function leaderTransfer(r: Raft, transferee: NodeId): RequestResult {
  if (transferee === r.id) return { ok: true };
  if (!isVoter(r.membership, transferee)) return { ok: false, reason: 'not-voter', leader: r.leader };
  const pr = r.progress.get(transferee);
  if (pr === undefined) return { ok: false, reason: 'not-voter', leader: r.leader };
  if (r.leadTransferee === transferee) return { ok: true };
  r.leadTransferee = transferee;
  // The transfer gets one election timeout to finish; tickLeader abandons it after that.
  r.electionElapsed = 0;
  r.emit({ type: 'leadership-transfer-started', to: transferee });
  if (pr.match === r.log.lastIndex()) r.send({ type: 'timeout-now', to: transferee });
  else sendAppend(r, transferee, true);
  return { ok: true };
}
