// NOT_PROMOTABLE: a node is not a voter in its own configuration and can never campaign. Rule: the node
// said it cannot campaign (unpromotable, not in the stable configuration, no known peers) and no leader
// appeared after it said so. Refusals logged while the node shuts down do not count.
import type { RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

interface State {
  refusals: EvidenceSet;
  leaderSince: boolean;
}

class NotPromotable implements Detector {
  readonly kinds = ['not-promotable', 'became-leader', 'leader-known'] as const;
  private readonly nodes = new PerNode<State>(() => ({ refusals: new EvidenceSet(), leaderSince: false }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (step.leader !== undefined) state.leaderSince = true;
    if (event.kind === 'not-promotable' && !step.node.stopping) {
      state.refusals.add(event.evidence, event.time);
      state.leaderSince = false;
    }
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      if (state.refusals.count === 0 || state.leaderSince) continue;
      // A node whose configuration names other voters but not itself disagrees with them about who votes.
      const others = node.voters !== undefined && !node.emptyConfig && !node.voters.includes(node.id);
      drafts.push({
        code: 'NOT_PROMOTABLE',
        refines: others ? 'VOTER_MISMATCH' : 'EMPTY_VOTERS',
        nodes: [node],
        summary: `node ${displayName(node)} is not a voter in its own configuration${others ? ` (voters {${node.voters!.join(', ')}})` : ''} and will never campaign`,
        ...fromSet(state.refusals),
      });
    }
    return drafts;
  }
}

export const notPromotable: DetectorEntry = { name: 'not-promotable', codes: ['NOT_PROMOTABLE'], create: () => new NotPromotable() };
