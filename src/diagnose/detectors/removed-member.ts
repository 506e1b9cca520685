// REMOVED_MEMBER_DISRUPTING: a node outside the configuration keeps contacting the cluster. Rule: a
// member logged refusing a node that is not in its configuration, or received a vote request from a
// node missing from its (non-empty) voter set. Lines logged while the member shuts down do not count.
import type { RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

class RemovedMember implements Detector {
  readonly kinds = ['removed-member', 'message-received'] as const;
  private readonly nodes = new PerNode<EvidenceSet>(() => new EvidenceSet());

  on(event: RaftEvent, step: Step): void {
    const node = step.node;
    if (node.stopping) return;
    if (event.kind === 'message-received') {
      const isVote = event.reason !== undefined && /vote/i.test(event.reason);
      if (!isVote || event.peer === undefined || event.peer === node.id || node.voters === undefined || node.voters.includes(event.peer)) return;
    }
    this.nodes.get(node).add(event.evidence, event.time);
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, set] of this.nodes.named()) {
      drafts.push({
        code: 'REMOVED_MEMBER_DISRUPTING',
        nodes: [node],
        summary: `node ${displayName(node)} received ${set.count} message(s) or vote requests from a node outside its configuration`,
        ...fromSet(set),
      });
    }
    return drafts;
  }
}

export const removedMember: DetectorEntry = { name: 'removed-member', codes: ['REMOVED_MEMBER_DISRUPTING'], create: () => new RemovedMember() };
