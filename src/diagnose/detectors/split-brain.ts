// SPLIT_BRAIN: two different leaders for the same term. Rule: two different nodes claimed, or were
// acknowledged as, leader of one term of one group (the timeline keeps the first leader of each term).
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import type { Detector, DetectorEntry, Draft, View } from './kit.js';

const EVIDENCE_CAP = 4;

interface Split {
  group: string;
  term: number;
  leaders: string[];
  evidence: Evidence[];
  time?: number;
}

class SplitBrain implements Detector {
  readonly kinds = ['became-leader', 'leader-known'] as const;
  private readonly splits: Split[] = [];

  on(event: RaftEvent, step: Step): void {
    const leader = step.leader;
    if (leader === undefined || event.term === undefined || (event.kind === 'leader-known' && leader === step.node.id)) return;
    const known = step.group.leaderByTerm.get(event.term);
    if (!known || known.leader === leader) return;
    const existing = this.splits.find((s) => s.group === step.group.name && s.term === event.term);
    if (existing) {
      if (!existing.leaders.includes(leader)) existing.leaders.push(leader);
      if (existing.evidence.length < EVIDENCE_CAP) existing.evidence.push(event.evidence);
    } else if (this.splits.length < 100) {
      this.splits.push({ group: step.group.name, term: event.term, leaders: [known.leader, leader], evidence: [known.evidence, event.evidence], time: event.time ?? known.time });
    }
  }

  finish(view: View): Draft[] {
    return this.splits.map((split) => ({
      code: 'SPLIT_BRAIN',
      nodes: (view.byGroup.get(split.group) ?? []).filter((n) => split.leaders.includes(n.id)),
      summary: `term ${split.term} has two leaders: ${split.leaders.join(' and ')}`,
      count: split.leaders.length,
      first: split.time,
      last: split.time,
      evidence: split.evidence,
    }));
  }
}

export const splitBrain: DetectorEntry = { name: 'split-brain', codes: ['SPLIT_BRAIN'], create: () => new SplitBrain() };
