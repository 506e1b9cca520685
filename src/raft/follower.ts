// The follower's role: following the leader's appends, heartbeats and snapshots (resetting the
// election timer), and campaigning at once when the leader hands over with timeout-now.

import { campaign } from './candidate.js';
import type { MessageOf, Raft } from './raft.js';
import type { Message, NodeId } from './types.js';

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      r.heardFromLeader(m.from);
      if (m.type === 'append') handleAppend(r, m);
      else if (m.type === 'heartbeat') handleHeartbeat(r, m);
      else handleSnapshot(r, m);
      break;
    case 'timeout-now':
      // The leader picked us: campaign at once, skipping pre-vote and the voters' lease check.
      campaign(r, true);
      break;
    default:
      break;
  }
}

function respondAppend(r: Raft, to: NodeId, index: number): void {
  r.send({ type: 'append-response', to, index, reject: false, rejectHint: 0, hintTerm: 0 });
}

function handleAppend(r: Raft, m: MessageOf<'append'>): void {
  const conflict = r.log.committedConflict(m.prevIndex, m.prevTerm, m.entries);
  if (conflict !== undefined) {
    // Neither accept nor answer: an answer would let that leader count this node toward a commit.
    r.emit({ type: 'committed-entry-conflict', peer: m.from, index: conflict.index, localTerm: conflict.localTerm, leaderTerm: conflict.term });
    return;
  }
  if (m.prevIndex < r.log.committed) {
    respondAppend(r, m.from, r.log.committed);
    return;
  }
  const oldCommit = r.log.committed;
  const result = r.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
  if (result === undefined) {
    const hint = r.log.findConflictByTerm(Math.min(m.prevIndex, r.log.lastIndex()), m.prevTerm);
    r.send({ type: 'append-response', to: m.from, index: m.prevIndex, reject: true, rejectHint: hint.index, hintTerm: hint.term });
    return;
  }
  r.trackAppended(result.appended);
  r.afterCommit(oldCommit);
  respondAppend(r, m.from, result.lastNew);
}

function handleHeartbeat(r: Raft, m: MessageOf<'heartbeat'>): void {
  const oldCommit = r.log.committed;
  // The leader caps the commit at what we acknowledged, so it is always within our log.
  r.log.commitTo(m.commit);
  r.afterCommit(oldCommit);
  r.send({ type: 'heartbeat-response', to: m.from, context: m.context });
}

function handleSnapshot(r: Raft, m: MessageOf<'snapshot'>): void {
  const { meta } = m.snapshot;
  if (meta.index <= r.log.committed) {
    respondAppend(r, m.from, r.log.committed);
    return;
  }
  if (r.log.matchTerm(meta.index, meta.term)) {
    // We already hold everything the snapshot covers: just move the commit forward.
    const oldCommit = r.log.committed;
    r.log.commitTo(meta.index);
    r.afterCommit(oldCommit);
    respondAppend(r, m.from, r.log.committed);
    return;
  }
  r.log.restore(m.snapshot);
  r.confs.restore(meta);
  r.setMembership(r.confs.current);
  respondAppend(r, m.from, r.log.lastIndex());
}
