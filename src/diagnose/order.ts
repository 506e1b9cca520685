// Puts a pasted excerpt back in time order before any rule sees it. Log viewers (Kibana, Loki, cloud
// consoles) list the newest line first, and users paste what they see: a file whose timed events mostly
// step back in time is replayed reversed. Untimed events keep their line order, which is then the only
// order there is. Only the first HOLD_CAP events of a file are held to decide: an excerpt is far
// smaller, and a log of more events than that is read as written, so memory stays flat.
import type { RaftEvent } from './model.js';

const HOLD_CAP = 10_000;

export class TimeOrder {
  private held: RaftEvent[] = [];
  private file?: string;
  /** The current file held HOLD_CAP events: the rest of it goes straight through. */
  private passing = false;

  constructor(private readonly sink: (event: RaftEvent) => void) {}

  push(event: RaftEvent): void {
    if (event.evidence.file !== this.file) {
      this.flush();
      this.file = event.evidence.file;
      this.passing = false;
    }
    if (this.passing) {
      this.sink(event);
      return;
    }
    this.held.push(event);
    if (this.held.length >= HOLD_CAP) {
      this.flush();
      this.passing = true;
    }
  }

  /** Sends what is held on, reversed when its times mostly run backwards. */
  flush(): void {
    const held = this.held;
    if (held.length === 0) return;
    this.held = [];
    let forward = 0;
    let backward = 0;
    let previous: number | undefined;
    for (const event of held) {
      if (event.time === undefined) continue;
      if (previous !== undefined) {
        if (event.time > previous) forward++;
        else if (event.time < previous) backward++;
      }
      previous = event.time;
    }
    if (backward > forward) held.reverse();
    for (const event of held) this.sink(event);
  }
}
