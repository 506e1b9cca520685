// Renders membership results for add-voter, remove-voter and transfer-leader.
import type { MemberAddr } from '../shared/http-api.js';

export function formatMembers(members: readonly MemberAddr[]): string {
  return members.length === 0 ? 'none' : [...members].sort((a, b) => a.id - b.id).map((m) => `${m.id}@${m.addr}`).join(', ');
}

/** The JSON document of a membership command: the change, what it was about, and the membership after it. */
export interface MembershipJson {
  changed: boolean;
  id?: number;
  addr?: string;
  warnings?: string[];
  leader: number | null;
  term: number;
  voters: MemberAddr[];
  learners: MemberAddr[];
}

export function membershipJson(
  outcome: { changed: boolean; voters: MemberAddr[]; learners: MemberAddr[]; leader: number; term: number },
  extra: Pick<MembershipJson, 'id' | 'addr' | 'warnings'> = {},
): MembershipJson {
  return {
    changed: outcome.changed,
    ...extra,
    leader: outcome.leader > 0 ? outcome.leader : null,
    term: outcome.term,
    voters: [...outcome.voters].sort((a, b) => a.id - b.id),
    learners: [...outcome.learners].sort((a, b) => a.id - b.id),
  };
}
