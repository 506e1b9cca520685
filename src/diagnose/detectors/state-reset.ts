// STATE_RESET: a node came back with less state than it had. Rule: it restarts at a lower term than it
// had reached, with an empty log (last index 0), after the line that showed the higher term: critical.
// Raft finding the leader's commit index beyond the node's last index (etcd's `tocommit(N) is out of
// range` panic) shows the same loss from the other side, but alone it cannot tell a careless wipe from a
// member re-added with an emptied data dir under an id the leader still tracks: info, unless the restart
// itself is in the lines.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

interface State {
  maxTerm: number;
  maxTermTime?: number;
  maxTermEvidence?: Evidence;
  reset: EvidenceSet;
  /** A restart at a lower term with an empty log was seen (not only the leader's view of the loss). */
  restartSeen: boolean;
}

class StateReset implements Detector {
  // Any line stating the node's term raises what it had reached.
  readonly kinds = 'all';
  private readonly nodes = new PerNode<State>(() => ({ maxTerm: -1, reset: new EvidenceSet(), restartSeen: false }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'log-out-of-range') {
      state.reset.add(event.evidence, event.time);
      return;
    }
    if (event.kind === 'node-start' && event.term !== undefined && state.maxTerm > event.term && event.lastIndex === 0) {
      const after = event.time === undefined || state.maxTermTime === undefined || event.time > state.maxTermTime;
      if (after) {
        state.restartSeen = true;
        state.reset.add(state.maxTermEvidence ?? event.evidence, state.maxTermTime);
        state.reset.add(event.evidence, event.time);
      }
    }
    // A message's term is the sender's, a lost leader's may be stale: neither is this node's.
    if (event.term !== undefined && event.term > state.maxTerm && event.kind !== 'message-received' && event.kind !== 'leader-lost') {
      state.maxTerm = event.term;
      state.maxTermTime = event.time;
      state.maxTermEvidence = event.evidence;
    }
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      if (state.reset.count === 0) continue;
      drafts.push({
        code: 'STATE_RESET',
        ...(state.restartSeen ? {} : { severity: 'info' as const }),
        nodes: [node],
        summary: state.restartSeen
          ? `node ${displayName(node)} came back with less state than it had (term, vote or log lost): it can vote twice or lose committed entries`
          : `node ${displayName(node)}'s log ends before what its leader committed to it: its data dir was emptied or restored while the cluster still counts it as the same member (it stops until removed and re-added)`,
        ...fromSet(state.reset),
      });
    }
    return drafts;
  }
}

export const stateReset: DetectorEntry = { name: 'state-reset', codes: ['STATE_RESET'], create: () => new StateReset() };
