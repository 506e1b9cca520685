// STUCK_AT_TERM_0: a node never leaves term 0. Rule: every term the node reported is 0, it never
// campaigned nor saw a leader, and something shows it should have: proposals dropped at term 0, a
// leader-wait timeout, a refusal to campaign, or minutes (30 election timeouts, 60 s at least) at term 0.
// hashicorp logs no term before a candidacy: there, a node that never saw a term and refuses to
// campaign (with no leader after the refusal) counts as stuck at term 0 too, unless its configuration is
// known empty (EMPTY_VOTERS, earlier in the table): that says why, and no line says term 0.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface State {
  droppedAtTerm0: EvidenceSet;
  leaderWait?: Evidence;
  notPromotable?: Evidence;
  leaderSinceNotPromotable: boolean;
}

class StuckAtTerm0 implements Detector {
  readonly kinds = ['dropped-proposal', 'leader-wait-timeout', 'not-promotable', 'became-leader', 'leader-known'] as const;
  private readonly nodes = new PerNode<State>(() => ({ droppedAtTerm0: new EvidenceSet(), leaderSinceNotPromotable: false }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (step.leader !== undefined) state.leaderSinceNotPromotable = true;
    if (event.kind === 'dropped-proposal' && event.term === 0 && !step.node.stopping && event.reason !== 'no-leader-read') state.droppedAtTerm0.add(event.evidence, event.time);
    else if (event.kind === 'leader-wait-timeout') state.leaderWait ??= event.evidence;
    else if (event.kind === 'not-promotable' && !step.node.stopping) {
      state.notPromotable ??= event.evidence;
      state.leaderSinceNotPromotable = false;
    }
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const node of view.nodes) {
      const state = this.nodes.peek(node) ?? { droppedAtTerm0: new EvidenceSet(), leaderSinceNotPromotable: false };
      const refused = state.notPromotable !== undefined;
      const onlyTerm0 = node.maxTerm === 0 || (node.maxTerm < 0 && refused && !state.leaderSinceNotPromotable && view.reported('EMPTY_VOTERS', node) === undefined);
      if (!onlyTerm0 || node.electionsStarted > 0 || node.leaderSeenCount > 0) continue;
      const et = view.electionTimeout(node.group);
      const longAtZero = node.firstSeen !== undefined && node.lastSeen !== undefined && node.lastSeen - node.firstSeen >= Math.max(60_000, 30 * et);
      if (!(state.droppedAtTerm0.count > 0 || state.leaderWait !== undefined || refused || longAtZero)) continue;
      drafts.push({
        code: 'STUCK_AT_TERM_0',
        nodes: [node],
        summary: `node ${displayName(node)} stayed at term 0 and never started an election`,
        count: Math.max(1, state.droppedAtTerm0.count),
        first: node.firstSeen,
        last: node.lastSeen,
        evidence: [node.termEvidence, ...state.droppedAtTerm0.lines.slice(0, 2), state.leaderWait, state.notPromotable].filter((e): e is Evidence => e !== undefined),
      });
    }
    return drafts;
  }
}

export const stuckAtTerm0: DetectorEntry = { name: 'stuck-at-term-0', codes: ['STUCK_AT_TERM_0'], create: () => new StuckAtTerm0() };
