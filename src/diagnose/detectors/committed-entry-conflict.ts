// COMMITTED_ENTRY_CONFLICT: a chronik node refused a leader whose append would overwrite an entry it had
// committed (src/raft/log.ts committedConflict). Rule: any such line. Inside one cluster Raft never asks
// for that, so one line means two histories met: another cluster's data dir, or a restored old copy.
import type { RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

interface State {
  refused: EvidenceSet;
  /** "peer P at index I (term ...)" of the first refusal, for the summary. */
  first?: string;
}

class CommittedEntryConflict implements Detector {
  readonly kinds = ['committed-entry-conflict'] as const;
  private readonly nodes = new PerNode<State>(() => ({ refused: new EvidenceSet() }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    state.refused.add(event.evidence, event.time);
    state.first ??= `node ${event.peer ?? '?'} at committed index ${event.lastIndex ?? '?'}${event.reason ? ` (${event.reason})` : ''}`;
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, { refused, first }] of this.nodes.named()) {
      drafts.push({
        code: 'COMMITTED_ENTRY_CONFLICT',
        nodes: [node],
        summary: `node ${displayName(node)} refused a leader that asked it to overwrite a committed entry: ${first ?? 'see the evidence'}; the two logs hold different histories`,
        ...fromSet(refused),
      });
    }
    return drafts;
  }
}

export const committedEntryConflict: DetectorEntry = { name: 'committed-entry-conflict', codes: ['COMMITTED_ENTRY_CONFLICT'], create: () => new CommittedEntryConflict() };
