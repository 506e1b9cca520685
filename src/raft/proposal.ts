// Proposals made at a follower: handed to the leader as a 'propose' message (the follower side), and
// appended by the leader like its own (the leader side). No answer travels back: the proposer finds its
// entry by what the entry carries when it applies the log, so a lost message costs a client timeout,
// never a wrong answer.

import type { MessageOf, Raft } from './raft.js';
import { NONE, type Entry } from './types.js';

/**
 * Queue `entry` for the leader this follower knows. Proposals made before the next Ready ride in one
 * message, which the transport batches with everything else bound for the leader.
 */
export function forwardProposal(r: Raft, entry: Entry): void {
  const last = r.forwarded[r.forwarded.length - 1];
  if (last !== undefined && last.to === r.leader && last.term === r.term) last.entries.push(entry);
  else r.forwarded.push({ type: 'propose', from: r.id, to: r.leader, term: r.term, entries: [entry] });
}

/**
 * A forwarded proposal arrives. It is stepped before the term checks of Raft.step, because a proposal
 * carries no news about elections: its term is the sender's, not a leader's claim.
 * - This node is not (or no longer) the leader: drop. A follower does not pass it on to the leader it
 *   knows, so a proposal never wanders between nodes that disagree about who leads; the client times out.
 * - The proposal's term is newer than ours: the sender has seen a later term, so we are probably deposed
 *   and anything appended now would be overwritten. Drop without adopting the term (an election or the
 *   new leader's appends will tell us).
 * - Its term is older than ours (sent to us while we were leader of an earlier term, or before the sender
 *   heard of our term): append it. Safety does not depend on who proposed an entry or when, only on the
 *   term the leader stamps on it, which is ours.
 * - A leadership transfer is in progress: drop, as for the leader's own proposals.
 * Only normal entries are accepted: membership changes go through proposeConfChange's checks.
 */
export function receiveProposal(r: Raft, m: MessageOf<'propose'>): void {
  const refused = r.role !== 'leader' ? 'not-leader' : m.term > r.term ? 'newer-term' : r.leadTransferee !== NONE ? 'transferring' : undefined;
  if (refused !== undefined) {
    r.emit({ type: 'proposal-dropped', reason: refused });
    return;
  }
  const entries = m.entries.filter((e) => e.type === 'normal');
  if (entries.length > 0) r.appendEntries(entries);
}
