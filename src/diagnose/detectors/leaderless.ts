// NO_LEADER from what a few lines say outright. Rule: in one group, an election is seen failing, and the
// product says it has no leader, and no leader shows up after either. An election fails when a node
// restarts it after its timeout (hashicorp "Election timeout reached, restarting election"), when a node
// starts another attempt with no leader seen since its last one, or when a voter is asked for its vote
// again by the same candidate (the candidate's last election failed). The product says it has no leader
// with a leader-wait timeout ("No cluster leader", "leader election did not complete"), a proposal
// dropped for want of one, or Raft's own `lost leader` line. Neither needs a clock; lines logged while shutting down do not count.
import type { Evidence, RaftEvent } from '../model.js';
import type { NodeState, Step } from '../timeline.js';
import { displayName, type Detector, type DetectorEntry, type Draft } from './kit.js';

interface Signal {
  node: NodeState;
  evidence: Evidence;
  time?: number;
}

interface GroupState {
  failed?: Signal;
  failures: number;
  said?: Signal;
  /** Per node: attempts since it last saw a leader; per voter, the candidates that asked it. */
  attempts: Map<NodeState, number>;
  askedBy: Map<NodeState, Map<string, { time?: number; term?: number }>>;
}

class Leaderless implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'became-leader', 'leader-known', 'vote-cast', 'vote-rejected', 'leader-wait-timeout', 'dropped-proposal', 'leader-lost', 'node-start'] as const;
  private readonly groups = new Map<string, GroupState>();

  on(event: RaftEvent, step: Step): void {
    let group = this.groups.get(step.group.name);
    if (!group) {
      group = { failures: 0, attempts: new Map(), askedBy: new Map() };
      this.groups.set(step.group.name, group);
    }
    const node = step.node;
    if (step.leader !== undefined) {
      // A leader after the signals: the group recovered.
      group.failed = undefined;
      group.said = undefined;
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
      const previous = asked.get(event.peer);
      if (previous !== undefined && (previous.time !== event.time || previous.term !== event.term || (event.time === undefined && event.term === undefined))) this.fail(group, signal);
      if (asked.size < 100) asked.set(event.peer, { time: event.time, term: event.term });
    }
  }

  private fail(group: GroupState, signal: Signal): void {
    group.failed ??= signal;
    group.failures++;
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const group of this.groups.values()) {
      const { failed, said } = group;
      if (failed === undefined || said === undefined || failed.node.id === '?' || said.node.id === '?') continue;
      const nodes = [...new Set([failed.node, said.node])];
      const times = [failed.time, said.time].filter((t): t is number => t !== undefined);
      drafts.push({
        code: 'NO_LEADER',
        nodes,
        summary: `${group.failures} failed election(s) (${displayName(failed.node)}) and ${displayName(said.node)} reports no leader, with no leader seen after`,
        count: group.failures,
        first: times.length > 0 ? Math.min(...times) : undefined,
        last: times.length > 0 ? Math.max(...times) : undefined,
        evidence: [failed.evidence, said.evidence],
      });
    }
    return drafts;
  }
}

export const leaderless: DetectorEntry = { name: 'leaderless', codes: ['NO_LEADER'], create: () => new Leaderless() };
