// Majority arithmetic over one voter set: what a majority has matched, how an election stands,
// whether a majority is active. chronik changes membership one server at a time (every majority of
// the old voter set overlaps every majority of the new), so there is never a joint configuration.

import type { NodeId } from './types.js';

/** How many of `voterCount` voters make a majority; an empty voter set needs one, so it never has a majority. */
export function majority(voterCount: number): number {
  return Math.floor(voterCount / 2) + 1;
}

/** The largest index that a majority of `voters` has matched; 0 for no voters. */
export function committedIndex(voters: readonly NodeId[], matchOf: (id: NodeId) => number): number {
  if (voters.length === 0) return 0;
  const matches = voters.map(matchOf).sort((a, b) => b - a);
  return matches[majority(voters.length) - 1] ?? 0;
}

export type VoteResult = 'won' | 'lost' | 'pending';

/** An election is won by a majority of grants, lost once a majority can no longer be reached. */
export function voteResult(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const needed = majority(voters.length);
  let granted = 0;
  let rejected = 0;
  for (const id of voters) {
    const vote = votes.get(id);
    if (vote === true) granted++;
    else if (vote === false) rejected++;
  }
  if (granted >= needed) return 'won';
  if (rejected > voters.length - needed) return 'lost';
  return 'pending';
}

/** Whether a majority of `voters` satisfies `holds` (acked a read, was heard from recently). */
export function hasQuorum(voters: readonly NodeId[], holds: (id: NodeId) => boolean): boolean {
  let count = 0;
  for (const id of voters) if (holds(id)) count++;
  return count >= majority(voters.length);
}
