// ELECTION_STORM: repeated elections and leader changes in a short window. Rule: within a window of
// max(60 s, 30 election timeouts), three leaders or more were elected, or six election attempts or more
// started while at least two leaders were elected: leadership churns. Elections that never produce a
// leader are NO_LEADER, not a storm. A node's win logged without a term (NATS Streaming's `server became
// leader`) counts as a leader elected when the group's last winner was another node, or this one before
// it lost leadership (a loss it logged, or its falling back to follower). A leader handed leadership by a
// planned transfer (etcd's MsgTimeoutNow, seen from either side) is no churn and is not counted.
import type { Evidence, RaftEvent } from '../model.js';
import type { NodeState, Step } from '../timeline.js';
import { PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

const EVIDENCE_PER_NODE = 4;

class ElectionStorm implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'became-leader', 'became-follower', 'leader-known', 'leader-lost', 'quorum-lost', 'node-start', 'term-seen'] as const;
  /** Per group, the terms whose leader a planned transfer made. */
  private readonly transferred = new Map<string, Set<number>>();
  /** The first attempt lines of each node, for evidence. */
  private readonly attempts = new PerNode<Evidence[]>(() => []);
  /** Wins logged without a term, by group, and the group's last winner while it still leads. */
  private readonly termless = new Map<string, { list: { time: number; evidence: Evidence }[]; leader?: string }>();

  on(event: RaftEvent, step: Step): void {
    if (event.kind === 'term-seen') {
      if (event.reason !== 'leader-transfer' || event.term === undefined) return;
      let terms = this.transferred.get(step.group.name);
      if (!terms) this.transferred.set(step.group.name, (terms = new Set()));
      if (terms.size < 10_000) terms.add(event.term + 1);
      return;
    }
    let group = this.termless.get(step.group.name);
    if (!group) this.termless.set(step.group.name, (group = { list: [] }));
    if (event.kind === 'leader-lost' || event.kind === 'quorum-lost' || event.kind === 'node-start') {
      // The next leader seen, even the same one again, was elected anew.
      if (event.kind !== 'node-start' || group.leader === step.node.id) group.leader = undefined;
      return;
    }
    if (event.kind === 'became-follower') {
      // The winner falling back to follower lost its leadership: its next win is a new election.
      if (group.leader === step.node.id) group.leader = undefined;
      return;
    }
    if (event.kind === 'became-leader') {
      // Followers name leaders in the product's words (`New leader elected: consul-server-1`), so only a
      // node's own win counts: another node's, or its own again after it lost leadership.
      if (event.term === undefined && group.leader !== step.node.id && event.time !== undefined && group.list.length < 2000) group.list.push({ time: event.time, evidence: event.evidence });
      group.leader = step.node.id;
      return;
    }
    if (step.leader !== undefined) return;
    if (!step.attempt) return;
    const lines = this.attempts.get(step.node);
    if (lines.length < EVIDENCE_PER_NODE) lines.push(event.evidence);
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [name, nodes] of view.byGroup) {
      const draft = this.judge(view, name, nodes);
      if (draft) drafts.push(draft);
    }
    return drafts;
  }

  private judge(view: View, name: string, nodes: NodeState[]): Draft | undefined {
    const et = view.electionTimeout(name);
    const windowMs = Math.max(60_000, 30 * et);
    const group = view.timeline.group(name);
    const transferred = this.transferred.get(name) ?? new Set<number>();
    const leaders = [
      ...[...group.leaderByTerm].filter(([term, v]) => v.time !== undefined && !transferred.has(term)).map(([, v]) => ({ time: v.time!, evidence: v.evidence })),
      ...(this.termless.get(name)?.list ?? []),
    ].sort((a, b) => a.time - b.time);
    const elections = nodes.flatMap((n) => n.electionTimes.map((e) => e.time).filter((t): t is number => t !== undefined)).sort((a, b) => a - b);
    let worst: { leaders: number; elections: number; start: number; end: number } | undefined;
    for (let i = 0, j = 0; i < leaders.length; i++) {
      while (leaders[i]!.time - leaders[j]!.time > windowMs) j++;
      const count = i - j + 1;
      if (count >= 3 && (!worst || count > worst.leaders)) worst = { leaders: count, elections: 0, start: leaders[j]!.time, end: leaders[i]!.time };
    }
    if (!worst) {
      for (let i = 0, j = 0; i < elections.length; i++) {
        while (elections[i]! - elections[j]! > windowMs) j++;
        const count = i - j + 1;
        const start = elections[j]!;
        const end = elections[i]!;
        const leadersInside = leaders.filter((l) => l.time >= start && l.time <= end + 3 * et).length;
        if (count >= 6 && leadersInside >= 2 && (!worst || count > worst.elections)) worst = { leaders: 0, elections: count, start, end };
      }
    }
    if (!worst) return undefined;
    const { start, end } = worst;
    const involved = nodes.filter((n) => n.electionTimes.some((e) => e.time !== undefined && e.time >= start && e.time <= end) || n.leaderTerms.length > 0);
    const attemptLines = nodes.flatMap((n) => this.attempts.peek(n) ?? []).slice(0, 4);
    const leaderLines = leaders.filter((l) => l.time >= start && l.time <= end).map((l) => l.evidence);
    return {
      code: 'ELECTION_STORM',
      nodes: involved,
      summary: worst.leaders > 0 ? `${worst.leaders} leaders elected within ${Math.round((end - start) / 1000)}s` : `${worst.elections} elections within ${Math.round((end - start) / 1000)}s`,
      count: worst.leaders || worst.elections,
      first: start,
      last: end,
      evidence: [...leaderLines.slice(0, 3), ...attemptLines].slice(0, 5),
    };
  }
}

export const electionStorm: DetectorEntry = { name: 'election-storm', codes: ['ELECTION_STORM'], create: () => new ElectionStorm() };
