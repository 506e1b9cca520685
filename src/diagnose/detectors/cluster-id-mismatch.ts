// CLUSTER_ID_MISMATCH: members belong to different clusters and reject each other. Rule: any line where
// a member rejected (or was rejected for) a message from another cluster id.
import type { RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

interface State {
  ids: Set<string>;
  mismatches: EvidenceSet;
}

class ClusterIdMismatch implements Detector {
  readonly kinds = ['cluster-id', 'cluster-id-mismatch'] as const;
  private readonly nodes = new PerNode<State>(() => ({ ids: new Set(), mismatches: new EvidenceSet() }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'cluster-id-mismatch') state.mismatches.add(event.evidence, event.time);
    else if (event.clusterId !== undefined && state.ids.size < 10) state.ids.add(event.clusterId);
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, { ids, mismatches }] of this.nodes.named()) {
      if (mismatches.count === 0) continue;
      drafts.push({
        code: 'CLUSTER_ID_MISMATCH',
        nodes: [node],
        summary: `node ${displayName(node)}${ids.size > 0 ? ` (cluster ${[...ids].join(', ')})` : ''} exchanged messages with a member of a different cluster (${mismatches.count} rejection(s))`,
        ...fromSet(mismatches),
      });
    }
    return drafts;
  }
}

export const clusterIdMismatch: DetectorEntry = { name: 'cluster-id-mismatch', codes: ['CLUSTER_ID_MISMATCH'], create: () => new ClusterIdMismatch() };
