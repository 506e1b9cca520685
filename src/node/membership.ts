// Membership helpers the runtime needs outside the core: the committed membership of a log (offline
// reader, membership.json) and renderings for log fields.
import { applyChange, emptyMembership } from '../raft/index.js';
import type { Entry, Member, Membership, SnapshotMeta } from '../raft/types.js';

/**
 * Folds the conf changes among entries up to index `upTo` into a membership (starting from the snapshot's,
 * if any), with the index of the last change.
 */
export function membershipAt(entries: readonly Entry[], upTo: number, snapshot?: SnapshotMeta): { membership: Membership; index: number } {
  let membership = snapshot?.membership ?? emptyMembership();
  let index = snapshot?.index ?? 0;
  for (const entry of entries) {
    if (entry.index > upTo) break;
    if (entry.type === 'conf-change') {
      membership = applyChange(membership, entry.change);
      index = entry.index;
    }
  }
  return { membership, index };
}

export function memberIds(members: readonly Member[]): number[] {
  return members.map((member) => member.id);
}

export function memberList(members: readonly Member[]): string {
  return members.map((member) => `${member.id}@${member.addr}`).join(',');
}
