// PEER_UNREACHABLE: a member cannot reach a peer for a sustained period. Rule: failures to reach one
// peer (without its recovery line, a restart or a stop of this node in between) spanning ten election
// timeouts (10 s at least), unless the peer's own log explains them: it was shut down on purpose, or it
// restarted and came back. A failure line that says how long the peer has not answered (hashicorp
// `Failed to contact 10.8.3.187:4647 in 353h48m35s`) starts the spell that long before it, so one such
// line, timed or not, can be enough. Failures logged while the node shuts down do not count.
import type { RaftEvent } from '../model.js';
import { pushCapped, type NodeState, type Step } from '../timeline.js';
import { displayName, EvidenceSet, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface Run {
  peer: string;
  /** The longest silence a failure line stated, in ms. */
  stated?: number;
  start?: number;
  last?: number;
  recovered?: number;
  evidence: EvidenceSet;
}

interface State {
  open: Map<string, Run>;
  runs: Run[];
}

class PeerUnreachable implements Detector {
  readonly kinds = ['peer-unreachable', 'peer-recovered', 'node-start', 'node-stop'] as const;
  private readonly nodes = new PerNode<State>(() => ({ open: new Map(), runs: [] }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    const t = event.time;
    switch (event.kind) {
      case 'peer-unreachable': {
        // The stop line itself has already marked the node as stopping.
        if (step.node.stopping) return;
        const peer = event.peer ?? '?';
        let run = state.open.get(peer);
        if (!run) {
          run = { peer, start: t, last: t, evidence: new EvidenceSet() };
          state.open.set(peer, run);
          pushCapped(state.runs, run, 500);
        }
        run.last = t ?? run.last;
        if (event.durationMs !== undefined) {
          // The line states how long the peer has been silent: the spell began then.
          run.stated = Math.max(run.stated ?? 0, event.durationMs);
          if (t !== undefined && (run.start === undefined || t - event.durationMs < run.start)) run.start = t - event.durationMs;
        }
        run.evidence.add(event.evidence, t);
        return;
      }
      case 'peer-recovered':
        this.close(state, event.peer ?? '?', t);
        return;
      default:
        for (const peer of [...state.open.keys()]) this.close(state, peer, t);
    }
  }

  private close(state: State, peer: string, time: number | undefined): void {
    const run = state.open.get(peer);
    if (!run) return;
    run.recovered = time;
    state.open.delete(peer);
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      const sustainedMs = Math.max(10_000, 10 * view.electionTimeout(node.group));
      const group = view.byGroup.get(node.group) ?? [];
      for (const run of state.runs) {
        const draft = judge(node, group, run, sustainedMs);
        if (draft) drafts.push(draft);
      }
    }
    return drafts;
  }
}

function judge(node: NodeState, nodes: NodeState[], run: Run, sustainedMs: number): Draft | undefined {
  // Products repeat the failure while it lasts (backoff, probes, rate-limited warnings), so the spell ends
  // at its recovery line or, failing one, at its last failure.
  const until = run.recovered ?? run.last;
  const stillFailing = run.recovered === undefined && node.lastSeen !== undefined && run.last !== undefined && node.lastSeen - run.last < sustainedMs;
  const span = run.start !== undefined && until !== undefined ? until - run.start : run.stated;
  if (span === undefined || span < sustainedMs) return undefined;
  const start = run.start ?? Number.NaN;
  const peer = nodes.find((n) => n.id === run.peer);
  if (peer && peer.stopIntervals.some((i) => i.start !== undefined && i.start <= start + 5000 && (i.end ?? Infinity) >= start)) return undefined;
  if (peer && run.recovered !== undefined && peer.startTimes.some((t) => t >= start - 5000 && t <= run.recovered! + 5000)) return undefined;
  return {
    code: 'PEER_UNREACHABLE',
    nodes: [node],
    summary: `node ${displayName(node)} could not reach peer ${run.peer} for ${formatSpan(span)}${stillFailing ? ' (still failing at the end of the log)' : ''}`,
    count: run.evidence.count,
    first: run.start,
    last: until,
    evidence: [...run.evidence.lines],
  };
}

function formatSpan(ms: number): string {
  return ms >= 3_600_000 ? `${Math.round(ms / 3_600_000)}h` : `${Math.round(ms / 1000)}s`;
}

export const peerUnreachable: DetectorEntry = { name: 'peer-unreachable', codes: ['PEER_UNREACHABLE'], create: () => new PeerUnreachable() };
