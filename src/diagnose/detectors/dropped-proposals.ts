// DROPPED_PROPOSALS: proposals are dropped because there is no leader. Rule: any drop at term 0 (there
// never was a leader), drops by a node that never saw a leader, drops spread over more than 5 election
// timeouts (5 s at least), or 50 drops or more. A handful during one election is routine:
// PROPOSALS_DROPPED_BRIEFLY, at info. Drops logged while the node shuts down do not count.
import type { RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface State {
  dropped: EvidenceSet;
  atTerm0: number;
}

class DroppedProposals implements Detector {
  readonly kinds = ['dropped-proposal'] as const;
  private readonly nodes = new PerNode<State>(() => ({ dropped: new EvidenceSet(), atTerm0: 0 }));

  on(event: RaftEvent, step: Step): void {
    if (step.node.stopping || event.reason === 'no-leader-read') return;
    const state = this.nodes.get(step.node);
    state.dropped.add(event.evidence, event.time);
    if (event.term === 0) state.atTerm0++;
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, { dropped, atTerm0 }] of this.nodes.named()) {
      const neverLeader = node.leaderSeenCount === 0;
      const span = dropped.first !== undefined && dropped.last !== undefined ? dropped.last - dropped.first : 0;
      const sustained = atTerm0 > 0 || neverLeader || span >= Math.max(5000, 5 * view.electionTimeout(node.group)) || dropped.count >= 50;
      drafts.push({
        code: sustained ? 'DROPPED_PROPOSALS' : 'PROPOSALS_DROPPED_BRIEFLY',
        nodes: [node],
        summary: sustained
          ? `node ${displayName(node)} dropped ${dropped.count} proposal(s) because it had no leader${atTerm0 > 0 ? ' (at term 0: there never was one)' : ''}`
          : `node ${displayName(node)} dropped ${dropped.count} proposal(s) during a leader change`,
        ...fromSet(dropped),
      });
    }
    return drafts;
  }
}

export const droppedProposals: DetectorEntry = { name: 'dropped-proposals', codes: ['DROPPED_PROPOSALS', 'PROPOSALS_DROPPED_BRIEFLY'], create: () => new DroppedProposals() };
