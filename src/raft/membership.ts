// Membership arithmetic: applying single-server changes, validating them, describing them for
// logs, and the bootstrap log every node of a new cluster starts from.

import type { ConfChange, Entry, HardState, Member, Membership, NodeId } from './types.js';

export function isVoter(membership: Membership, id: NodeId): boolean {
  return membership.voters.some((m) => m.id === id);
}

export function isLearner(membership: Membership, id: NodeId): boolean {
  return membership.learners.some((m) => m.id === id);
}

export function isMember(membership: Membership, id: NodeId): boolean {
  return isVoter(membership, id) || isLearner(membership, id);
}

export function isEmptyMembership(membership: Membership): boolean {
  return membership.voters.length === 0 && membership.learners.length === 0;
}

export function memberIds(membership: Membership): NodeId[] {
  return [...membership.voters, ...membership.learners].map((m) => m.id).sort((a, b) => a - b);
}

export function voterIds(membership: Membership): NodeId[] {
  return membership.voters.map((m) => m.id).sort((a, b) => a - b);
}

export function learnerIds(membership: Membership): NodeId[] {
  return membership.learners.map((m) => m.id).sort((a, b) => a - b);
}

export function addressOf(membership: Membership, id: NodeId): string | undefined {
  return [...membership.voters, ...membership.learners].find((m) => m.id === id)?.addr;
}

const byId = (a: Member, b: Member): number => a.id - b.id;

/**
 * Why `change` cannot apply to `membership`, or undefined when it can. `not-member` is reported
 * separately because proposals surface it as its own ProposeResult reason.
 */
export function checkChange(membership: Membership, change: ConfChange): string | undefined {
  const voter = isVoter(membership, change.id);
  const learner = isLearner(membership, change.id);
  switch (change.type) {
    case 'add-learner':
      if (voter) return 'already a voter';
      if (learner) return 'already a learner';
      return addressTaken(membership, change.id, change.addr);
    case 'add-voter':
      if (voter) return 'already a voter';
      return addressTaken(membership, change.id, change.addr);
    case 'promote':
      if (voter) return 'already a voter';
      if (!learner) return 'not-member';
      return undefined;
    case 'remove':
      if (!voter && !learner) return 'not-member';
      if (voter && membership.voters.length === 1) return 'cannot remove the last voter';
      return undefined;
  }
}

function addressTaken(membership: Membership, id: NodeId, addr: string): string | undefined {
  const holder = [...membership.voters, ...membership.learners].find((m) => m.addr === addr && m.id !== id);
  return holder === undefined ? undefined : `address ${addr} belongs to member ${holder.id}`;
}

/** The membership after `change`. Changes that checkChange rejects leave it as it was. */
export function applyChange(membership: Membership, change: ConfChange): Membership {
  if (checkChange(membership, change) !== undefined) return membership;
  const voters = membership.voters.filter((m) => m.id !== change.id);
  const learners = membership.learners.filter((m) => m.id !== change.id);
  switch (change.type) {
    case 'add-learner':
      learners.push({ id: change.id, addr: change.addr });
      break;
    case 'add-voter':
      voters.push({ id: change.id, addr: change.addr });
      break;
    case 'promote': {
      const addr = membership.learners.find((m) => m.id === change.id)?.addr ?? '';
      voters.push({ id: change.id, addr });
      break;
    }
    case 'remove':
      break;
  }
  return { voters: voters.sort(byId), learners: learners.sort(byId) };
}

/** The log-line form of a change, e.g. `add-learner 4@127.0.0.1:9195`. */
export function describeChange(change: ConfChange): string {
  switch (change.type) {
    case 'add-learner':
    case 'add-voter':
      return `${change.type} ${change.id}@${change.addr}`;
    case 'promote':
    case 'remove':
      return `${change.type} ${change.id}`;
  }
}

/** The term every bootstrap entry carries; a node's first election is then for term 2. */
export const BOOTSTRAP_TERM = 1;

/**
 * The identical initial log of every node bootstrapped with the same voters: one add-voter entry
 * per member, sorted by id, at indexes 1..n, already committed. A `--join` node writes nothing and
 * receives these entries from the leader like any other.
 */
export function bootstrapEntries(members: Member[]): Entry[] {
  const sorted = [...members].sort(byId);
  const ids = new Set(sorted.map((m) => m.id));
  if (sorted.length === 0) throw new Error('bootstrap needs at least one member');
  if (ids.size !== sorted.length) throw new Error('bootstrap members have duplicate ids');
  if (sorted.some((m) => !Number.isInteger(m.id) || m.id <= 0)) throw new Error('member ids must be positive integers');
  return sorted.map((m, i) => ({
    type: 'conf-change',
    term: BOOTSTRAP_TERM,
    index: i + 1,
    change: { type: 'add-voter', id: m.id, addr: m.addr },
  }));
}

/** The hard state that goes with bootstrapEntries: those entries are committed from the start. */
export function bootstrapHardState(members: Member[]): HardState {
  return { term: BOOTSTRAP_TERM, vote: 0, commit: members.length };
}
