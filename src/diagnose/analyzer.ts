// Feeds the event stream to the rules: each file's events are put in time order (order.ts), then each
// event inside the --since/--until window is folded into the shared timeline (timeline.ts) and handed,
// in order, to the detectors that listen to its kind (detectors/). Once all input is in, findings()
// asks each detector what it concludes.
import { conclude, DETECTORS } from './detectors/index.js';
import type { Detector, DetectorEntry } from './detectors/kit.js';
import type { EventKind, Finding, RaftEvent } from './model.js';
import { TimeOrder } from './order.js';
import { Timeline, type NodeState } from './timeline.js';

export class Analyzer {
  readonly timeline = new Timeline();
  private readonly detectors: Detector[];
  private readonly byKind = new Map<EventKind, Detector[]>();
  private readonly everyKind: Detector[] = [];
  private readonly order = new TimeOrder((event) => this.dispatch(event));

  constructor(
    private readonly window: { since?: number; until?: number } = {},
    entries: readonly DetectorEntry[] = DETECTORS,
  ) {
    this.detectors = entries.map((entry) => entry.create());
    for (const detector of this.detectors) {
      if (detector.kinds === 'all') this.everyKind.push(detector);
      else for (const kind of detector.kinds) this.byKind.set(kind, [...(this.byKind.get(kind) ?? []), detector]);
    }
  }

  /** Every node seen, named or not. */
  get nodes(): ReadonlyMap<string, NodeState> {
    return this.timeline.nodes;
  }

  handle(event: RaftEvent): void {
    this.order.push(event);
  }

  private dispatch(event: RaftEvent): void {
    const t = event.time;
    if (t !== undefined && ((this.window.since !== undefined && t < this.window.since) || (this.window.until !== undefined && t > this.window.until))) return;
    const step = this.timeline.fold(event);
    if (step === undefined) return;
    for (const detector of this.everyKind) detector.on(event, step);
    const listeners = this.byKind.get(event.kind);
    if (listeners !== undefined) for (const detector of listeners) detector.on(event, step);
  }

  /** Marks the end of a file for a node it described: open spans end at the last line seen. */
  endOfStream(node: string, group: string, lastTime: number | undefined): void {
    this.order.flush();
    this.timeline.endOfStream(node, group, lastTime);
  }

  findings(): Finding[] {
    this.order.flush();
    return conclude(this.timeline, this.detectors);
  }
}
