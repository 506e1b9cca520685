// PEERS_NOT_VOTERS: peers were given at start but are missing from the voter set. Rule: a line handed
// peers to Raft (raft-rs/etcd `newRaft ... peers`), and then the node ran with an empty voter set
// (EMPTY_VOTERS, earlier in the table), or the first configuration after it lacks some of those peers.
// Waiting for a leader alone shows no peers were given: a hashicorp server that knows no peers is
// EMPTY_VOTERS only.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface State {
  given?: { voters: string[]; evidence: Evidence; configAfter?: string[]; configEvidence?: Evidence };
  leaderWait?: Evidence;
}

class PeersNotVoters implements Detector {
  readonly kinds = ['peers-given', 'config', 'leader-wait-timeout'] as const;
  private readonly nodes = new PerNode<State>(() => ({}));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    switch (event.kind) {
      case 'peers-given':
        state.given = { voters: event.voters ?? [], evidence: event.evidence };
        return;
      case 'config':
        if (event.voters !== undefined && state.given && state.given.configAfter === undefined) {
          state.given.configAfter = event.voters;
          state.given.configEvidence = event.evidence;
        }
        return;
      case 'leader-wait-timeout':
        state.leaderWait ??= event.evidence;
        return;
      default:
        return;
    }
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      const given = state.given;
      if (given === undefined) continue;
      const empty = view.reported('EMPTY_VOTERS', node);
      const missing = given.voters.length > 0 && given.configAfter && given.configAfter.length > 0 ? given.voters.filter((id) => !given.configAfter!.includes(id)) : [];
      if (empty === undefined && missing.length === 0) continue;
      drafts.push({
        code: 'PEERS_NOT_VOTERS',
        nodes: [node],
        summary:
          missing.length > 0
            ? `node ${displayName(node)} was given peers ${missing.join(', ')} but they are not in its voter set`
            : `node ${displayName(node)} was started to join a cluster but its voter set is empty: the peers it was given never became voters`,
        count: 1,
        first: empty?.first ?? node.firstSeen,
        last: node.lastSeen,
        evidence: [given.evidence, given.configEvidence, empty?.evidence[0], state.leaderWait].filter((e): e is Evidence => e !== undefined),
      });
    }
    return drafts;
  }
}

export const peersNotVoters: DetectorEntry = { name: 'peers-not-voters', codes: ['PEERS_NOT_VOTERS'], create: () => new PeersNotVoters() };
