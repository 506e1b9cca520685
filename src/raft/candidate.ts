// Elections: the election timer of followers and candidates, campaigning (pre-vote first, then the
// real vote), the pre-candidate's and candidate's step function, and granting votes to others.

import { learnerIds, voterIds } from './membership.js';
import type { MessageOf, Raft } from './raft.js';
import { NONE, type Message } from './types.js';

export function tickElection(r: Raft): void {
  r.electionElapsed++;
  // A leader whose connection was reset or refused is presumed dead: campaign after a few ticks.
  const timeout = r.leaderLost ? Math.min(r.fastElectionTimeout, r.randomizedElectionTimeout) : r.randomizedElectionTimeout;
  if (r.electionElapsed < timeout) return;
  r.electionElapsed = 0;
  if (r.leaderLost) r.fastElectionTimeout = r.drawFastElectionTimeout();
  if (!r.canCampaign()) {
    if (!r.notVoterReported) {
      r.notVoterReported = true;
      r.emit({ type: 'not-a-voter', voters: voterIds(r.membership), learners: learnerIds(r.membership) });
    }
    // Silent for a whole election timeout: the leader is gone, and its lease must not block votes.
    r.setLeader(NONE);
    return;
  }
  campaign(r, false);
}

/**
 * Stand for election: a pre-vote round first when enabled, unless `transfer` (the leader handed
 * over, so the voters' lease check and the pre-vote are skipped).
 */
export function campaign(r: Raft, transfer: boolean): void {
  if (!r.canCampaign()) return;
  const preVote = r.cfg.preVote && !transfer;
  if (preVote) r.becomePreCandidate();
  else r.becomeCandidate();
  const voters = voterIds(r.membership);
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  r.emit({ type: 'starting-election', preVote, voters, lastIndex, lastTerm });
  r.progress.recordVote(r.id, true);
  if (tallyVotes(r)) return;
  const type = preVote ? 'pre-vote' : 'vote';
  const term = preVote ? r.term + 1 : r.term;
  for (const to of voters) {
    if (to !== r.id) r.send({ type, to, term, lastIndex, lastTerm, transfer });
  }
}

/** Act on the votes so far; true when the election is decided. */
function tallyVotes(r: Raft): boolean {
  const result = r.progress.voteResult();
  if (result === 'won') {
    if (r.role === 'pre-candidate') campaign(r, true);
    else r.becomeLeader();
    return true;
  }
  if (result === 'lost') {
    r.becomeFollower(r.term, NONE);
    return true;
  }
  return false;
}

/** The step function of pre-candidates and candidates. */
export function stepCandidate(r: Raft, m: Message): void {
  switch (m.type) {
    case 'append':
    case 'heartbeat':
    case 'snapshot':
      // Someone won this term: follow it, and handle its message as a follower.
      r.becomeFollower(r.term, m.from);
      r.stepRole(r, m);
      break;
    case 'vote-response':
    case 'pre-vote-response':
      if ((m.type === 'pre-vote-response') !== (r.role === 'pre-candidate')) return;
      r.progress.recordVote(m.from, !m.reject);
      tallyVotes(r);
      break;
    default:
      break;
  }
}

/** Any role answers a vote or pre-vote request of its term (or, for a pre-vote, the next one). */
export function handleVoteRequest(r: Raft, m: MessageOf<'vote' | 'pre-vote'>): void {
  const preVote = m.type === 'pre-vote';
  const canVote = r.vote === m.from || (r.vote === NONE && r.leader === NONE) || (preVote && m.term > r.term);
  const upToDate = r.log.isUpToDate(m.lastIndex, m.lastTerm);
  const responseType = preVote ? 'pre-vote-response' : 'vote-response';
  if (canVote && upToDate) {
    // A granted pre-vote answers in the term the candidate would campaign in.
    r.send({ type: responseType, to: m.from, term: m.term, reject: false });
    if (!preVote) {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
    r.emit({ type: 'cast-vote', candidate: m.from, preVote });
  } else {
    r.send({ type: responseType, to: m.from, reject: true });
    const reason = !canVote ? (r.vote !== NONE ? 'already-voted' : 'has-leader') : 'log-not-up-to-date';
    r.emit({ type: 'rejected-vote', candidate: m.from, preVote, reason });
  }
}
