// NO_LEADER from what a few lines say outright. Rule: in one group, an election is seen failing, and the
// product says it has no leader, and no leader shows up after either. An election fails when a node
// restarts it after its timeout (hashicorp "Election timeout reached, restarting election"), when a node
// starts another attempt with no leader seen since its last one, or when a voter is asked for its vote
// again by the same candidate (the candidate's last election failed). The product says it has no leader
// with a leader-wait timeout ("No cluster leader", "leader election did not complete"), a proposal
// dropped for want of one, or Raft's own `lost leader` line. Neither needs a clock (the repeated-statement
// rule below does: REPEATED_MIN_MS); lines logged while shutting down do not count.
// `lost leader` begins every ordinary re-election, and a node retrying its own election once is a split
// vote: with only that statement, it takes two failures or a candidate asking again a voter that granted it.
// A node refusing to campaign (hashicorp `no known peers. Aborting election`, `not part of a stable
// configuration ... not triggering a leader election`) counts as a failed election when the product says
// it has no leader at least twice after it, with no leader seen.
// Where no election is logged at all (NATS JetStream's meta group logs none at INFO), the product saying
// so again and again is enough: three statements or more over at least ten election timeouts (30 s at
// least) with no leader after, which no ordinary re-election lasts.
import type { Evidence, RaftEvent } from '../model.js';
import type { NodeState, Step } from '../timeline.js';
import { displayName, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

/** How many statements, over how many election timeouts (and at least how long), say the group has no leader by themselves. */
const REPEATED_STATEMENTS = 3;
const REPEATED_TIMEOUTS = 10;
const REPEATED_MIN_MS = 30_000;

/** etcd-raft's `MsgPreVote`, chronik's `pre_vote=true`. */
const isPreVote = (reason: string | undefined): boolean => reason !== undefined && /pre-?vote/i.test(reason);

interface Signal {
  node: NodeState;
  evidence: Evidence;
  time?: number;
}

interface GroupState {
  failed?: Signal;
  failures: number;
  said?: Signal;
  /** A node's refusal to campaign since the last leader, and the statements since that refusal. */
  refused?: Signal;
  saidSinceRefusal: number;
  /** The statements since the last leader, and the last of them. */
  statements: number;
  lastSaid?: Signal;
  /** Some statement was more than Raft's `lost leader`, which every ordinary re-election begins with. */
  outright: boolean;
  /** A candidate asked a voter again after the voter granted it its vote: it failed even so. */
  reasked: boolean;
  /** Per node: attempts since it last saw a leader; per voter, the candidates that asked it. */
  attempts: Map<NodeState, number>;
  askedBy: Map<NodeState, Map<string, { time?: number; term?: number; preVote: boolean; granted: boolean }>>;
}

class Leaderless implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'became-leader', 'leader-known', 'vote-cast', 'vote-rejected', 'leader-wait-timeout', 'dropped-proposal', 'leader-lost', 'not-promotable', 'node-start'] as const;
  private readonly groups = new Map<string, GroupState>();

  on(event: RaftEvent, step: Step): void {
    let group = this.groups.get(step.group.name);
    if (!group) {
      group = { failures: 0, statements: 0, outright: false, reasked: false, saidSinceRefusal: 0, attempts: new Map(), askedBy: new Map() };
      this.groups.set(step.group.name, group);
    }
    const node = step.node;
    if (step.leader !== undefined) {
      // A leader after the signals: the group recovered.
      group.failed = undefined;
      group.said = undefined;
      group.lastSaid = undefined;
      group.statements = 0;
      group.outright = false;
      group.reasked = false;
      group.refused = undefined;
      group.saidSinceRefusal = 0;
      group.failures = 0;
      group.attempts.clear();
      group.askedBy.clear();
      return;
    }
    if (node.stopping) return;
    const signal = { node, evidence: event.evidence, time: event.time };
    if (event.kind === 'node-start') {
      group.attempts.delete(node);
      group.askedBy.delete(node);
    } else if (event.kind === 'leader-wait-timeout' || event.kind === 'leader-lost' || (event.kind === 'dropped-proposal' && event.reason !== 'no-leader-read')) {
      group.said ??= signal;
      group.lastSaid = signal;
      group.statements++;
      if (event.kind !== 'leader-lost') group.outright = true;
      if (group.refused) group.saidSinceRefusal++;
    } else if (event.kind === 'not-promotable') {
      group.refused ??= signal;
    }
    if (step.attempt) {
      const before = group.attempts.get(node) ?? 0;
      group.attempts.set(node, before + 1);
      if (before > 0 || event.reason === 'restart') this.fail(group, signal);
    }
    if ((event.kind === 'vote-cast' || event.kind === 'vote-rejected') && event.peer !== undefined) {
      let asked = group.askedBy.get(node);
      if (!asked) group.askedBy.set(node, (asked = new Map()));
      // The same candidate asking again, at another time or term (or, untimed and termless, on another
      // line): its last election failed.
      // A pre-vote then the vote proper from the same candidate is one election in two phases, not a retry.
      const previous = asked.get(event.peer);
      const preVote = isPreVote(event.reason);
      const secondPhase = previous !== undefined && previous.preVote && !preVote;
      if (previous !== undefined && !secondPhase && (previous.time !== event.time || previous.term !== event.term || (event.time === undefined && event.term === undefined))) {
        this.fail(group, signal);
        // Its election failed although this voter granted it: more than a split vote.
        if (previous.granted) group.reasked = true;
      }
      if (asked.size < 100) asked.set(event.peer, { time: event.time, term: event.term, preVote, granted: event.kind === 'vote-cast' && !preVote });
    }
  }

  private fail(group: GroupState, signal: Signal): void {
    group.failed ??= signal;
    group.failures++;
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [name, group] of this.groups) {
      const { said } = group;
      const failed = group.failed ?? (group.saidSinceRefusal >= 2 ? group.refused : undefined);
      if (failed === undefined) {
        const repeated = this.repeated(group, view.electionTimeout(name));
        if (repeated) drafts.push(repeated);
        continue;
      }
      if (said === undefined || failed.node.id === '?' || said.node.id === '?') continue;
      // `lost leader` and a node retrying its own election once is a split vote, as ordinary as the
      // re-election itself; a candidate asking again a voter that granted it its vote is not.
      if (!group.outright && !group.reasked && group.failures < 2) continue;
      const nodes = [...new Set([failed.node, said.node])];
      const times = [failed.time, said.time].filter((t): t is number => t !== undefined);
      drafts.push({
        code: 'NO_LEADER',
        nodes,
        summary:
          group.failures > 0
            ? `${group.failures} failed election(s) (${displayName(failed.node)}) and ${displayName(said.node)} reports no leader, with no leader seen after`
            : `${displayName(failed.node)} refuses to campaign and ${displayName(said.node)} reports no leader ${group.statements} times, with no leader seen after`,
        count: Math.max(1, group.failures),
        first: times.length > 0 ? Math.min(...times) : undefined,
        last: times.length > 0 ? Math.max(...times) : undefined,
        evidence: [failed.evidence, said.evidence],
      });
    }
    return drafts;
  }

  private repeated(group: GroupState, et: number): Draft | undefined {
    const { said, lastSaid } = group;
    if (said === undefined || lastSaid === undefined || said.node.id === '?' || group.statements < REPEATED_STATEMENTS) return undefined;
    if (said.time === undefined || lastSaid.time === undefined || lastSaid.time - said.time < Math.max(REPEATED_MIN_MS, REPEATED_TIMEOUTS * et)) return undefined;
    return {
      code: 'NO_LEADER',
      nodes: [...new Set([said.node, lastSaid.node])],
      summary: `${displayName(said.node)} reports no leader ${group.statements} times over ${Math.round((lastSaid.time - said.time) / 1000)} s, with no leader seen after`,
      count: group.statements,
      first: said.time,
      last: lastSaid.time,
      evidence: [said.evidence, lastSaid.evidence],
    };
  }
}

export const leaderless: DetectorEntry = { name: 'leaderless', codes: ['NO_LEADER'], create: () => new Leaderless() };
