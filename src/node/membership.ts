// Membership arithmetic the runtime needs outside the core: folding conf-change entries of a log into the
// voter/learner sets (offline reader, address book) and rendering them for logs.
import type { ConfChange, Entry, Member, Membership } from '../raft/types.js';

export function emptyMembership(): Membership {
  return { voters: [], learners: [] };
}

/** The membership after `change`; a change that does not fit (promote a non-learner) leaves it unchanged. */
export function applyChange(membership: Membership, change: ConfChange): Membership {
  const without = (members: Member[]): Member[] => members.filter((member) => member.id !== change.id);
  const sorted = (members: Member[]): Member[] => [...members].sort((a, b) => a.id - b.id);
  switch (change.type) {
    case 'add-learner':
      if (membership.voters.some((member) => member.id === change.id)) return membership;
      return { voters: membership.voters, learners: sorted([...without(membership.learners), { id: change.id, addr: change.addr }]) };
    case 'add-voter':
      return { voters: sorted([...without(membership.voters), { id: change.id, addr: change.addr }]), learners: without(membership.learners) };
    case 'promote': {
      const learner = membership.learners.find((member) => member.id === change.id);
      if (learner === undefined) return membership;
      return { voters: sorted([...membership.voters, learner]), learners: without(membership.learners) };
    }
    case 'remove':
      return { voters: without(membership.voters), learners: without(membership.learners) };
  }
}

/** Folds the conf changes among entries[0..upTo] (1-based indexes) into a membership. */
export function membershipAt(entries: readonly Entry[], upTo: number): { membership: Membership; index: number } {
  let membership = emptyMembership();
  let index = 0;
  for (const entry of entries) {
    if (entry.index > upTo) break;
    if (entry.type === 'conf-change') {
      membership = applyChange(membership, entry.change);
      index = entry.index;
    }
  }
  return { membership, index };
}

export function describeChange(change: ConfChange): string {
  return change.type === 'add-learner' || change.type === 'add-voter' ? `${change.type} ${change.id}@${change.addr}` : `${change.type} ${change.id}`;
}

export function memberIds(members: readonly Member[]): number[] {
  return members.map((member) => member.id);
}

export function memberList(members: readonly Member[]): string {
  return members.map((member) => `${member.id}@${member.addr}`).join(',');
}
