// SLOW_DISK / HEARTBEAT_LATE: slow fsyncs or applies, and heartbeats the leader sent late. Rule: a warning
// when next to election churn (six election attempts or more, or three leaders elected or more, in the
// group within 10 election timeouts, 30 s at least, of the signal), info otherwise: a start-up election
// and one re-election are not churn.
import type { Code } from '../codes.js';
import type { Evidence, EventKind, RaftEvent } from '../model.js';
import { pushCapped, type Step } from '../timeline.js';
import { attemptTimes, displayName, leaderTimes, lowerBound, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface Signal {
  time?: number;
  evidence: Evidence;
  durationMs?: number;
}

class SlowSignals implements Detector {
  readonly kinds: readonly EventKind[];
  private readonly nodes = new PerNode<Signal[]>(() => []);

  constructor(
    kind: EventKind,
    private readonly code: Extract<Code, 'SLOW_DISK' | 'HEARTBEAT_LATE'>,
  ) {
    this.kinds = [kind];
  }

  on(event: RaftEvent, step: Step): void {
    pushCapped(this.nodes.get(step.node), { time: event.time, evidence: event.evidence, durationMs: event.durationMs });
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, signals] of this.nodes.named()) {
      const radius = Math.max(30_000, 10 * view.electionTimeout(node.group));
      const churn = attemptTimes(view.byGroup.get(node.group) ?? []);
      const leaders = leaderTimes(view.timeline.group(node.group));
      const within = (sorted: number[], time: number): number => lowerBound(sorted, time + radius + 1) - lowerBound(sorted, time - radius);
      const near = signals.filter((s) => s.time !== undefined && (within(churn, s.time) >= 6 || within(leaders, s.time) >= 3));
      const worst = Math.max(...signals.map((s) => s.durationMs ?? 0));
      const chosen = near.length > 0 ? near : signals;
      drafts.push({
        code: this.code,
        severity: near.length > 0 ? 'warning' : 'info',
        nodes: [node],
        summary: `node ${displayName(node)}: ${signals.length} ${this.code === 'SLOW_DISK' ? 'slow disk write(s)/apply(s)' : 'late heartbeat(s)'}${worst > 0 ? `, worst ${Math.round(worst)}ms` : ''}${near.length > 0 ? `, ${near.length} next to repeated elections` : ', no election churn nearby'}`,
        count: signals.length,
        first: signals[0]!.time,
        last: signals.at(-1)!.time,
        evidence: [...chosen.slice(0, 2), ...chosen.slice(-1)].map((s) => s.evidence),
      });
    }
    return drafts;
  }
}

export const slowDisk: DetectorEntry = { name: 'slow-signals', codes: ['SLOW_DISK'], create: () => new SlowSignals('slow-disk', 'SLOW_DISK') };
export const heartbeatLate: DetectorEntry = { name: 'slow-signals', codes: ['HEARTBEAT_LATE'], create: () => new SlowSignals('heartbeat-late', 'HEARTBEAT_LATE') };
