// QUORUM_LOST: a leader lost contact with a majority of voters. Rule: the node stepped down for lack of
// a majority (check-quorum), unless most other members had been stopped on purpose at that moment.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, peersStopped, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

const CAP = 2000;

class QuorumLost implements Detector {
  readonly kinds = ['quorum-lost'] as const;
  private readonly nodes = new PerNode<{ time?: number; evidence: Evidence }[]>(() => []);

  on(event: RaftEvent, step: Step): void {
    if (step.node.stopping) return;
    const list = this.nodes.get(step.node);
    list.push({ time: event.time, evidence: event.evidence });
    if (list.length > CAP) list.splice(1, 1);
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, list] of this.nodes.named()) {
      const group = view.byGroup.get(node.group) ?? [];
      const quorum = list.filter((q) => !peersStopped(node, group, q.time));
      if (quorum.length === 0) continue;
      drafts.push({
        code: 'QUORUM_LOST',
        nodes: [node],
        summary: `node ${displayName(node)} lost contact with a majority of voters and stepped down ${quorum.length} time(s)`,
        count: quorum.length,
        first: quorum[0]!.time,
        last: quorum.at(-1)!.time,
        evidence: quorum.slice(0, 3).map((q) => q.evidence),
      });
    }
    return drafts;
  }
}

export const quorumLost: DetectorEntry = { name: 'quorum-lost', codes: ['QUORUM_LOST'], create: () => new QuorumLost() };
