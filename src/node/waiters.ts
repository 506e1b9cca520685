// Requests waiting on the log: writes resolved when the entry carrying their request id is applied, failed
// when another entry lands at the index they were appended at; and linearizable reads served once the
// applied index reaches their read index.
import { ApiError } from './api-error.js';

/** Where a write landed: the answer a waiter gets. */
export interface AppliedAt {
  index: number;
  term: number;
}

interface ProposalWaiter {
  /** What the awaited entry carries: its request id, or `@index/term` for an entry without one. */
  identity: string;
  /** The index this node appended it at, when it did (a leader's own proposal). */
  index?: number;
  resolve: (at: AppliedAt) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** The identity of an entry known only by its position (a conf change this leader appended). */
export function positionIdentity(index: number, term: number): string {
  return `@${index}/${term}`;
}

/**
 * Writes waiting to be applied here, found by what their entry carries: an answer is given only for the
 * entry this node's client made. A write appended here at a known index fails as soon as another entry is
 * applied at that index (a new leader overwrote it); a write handed to the leader has no index, so it is
 * answered when its entry applies here, or TIMEOUT (the outcome is unknown: it may still commit).
 */
export class ProposalWaiters {
  private readonly byIdentity = new Map<string, ProposalWaiter>();
  private readonly byIndex = new Map<number, ProposalWaiter[]>();

  get size(): number {
    return this.byIdentity.size;
  }

  wait(identity: string, index: number | undefined, timeoutMs: number, onFail: () => void): Promise<AppliedAt> {
    return new Promise((resolve, reject) => {
      const waiter: ProposalWaiter = {
        identity,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(waiter);
          onFail();
          const where = index === undefined ? 'the write handed to the leader was' : `entry ${index} was`;
          reject(new ApiError('TIMEOUT', `${where} not applied within ${timeoutMs} ms; it may still commit later`));
        }, timeoutMs),
      };
      if (index !== undefined) waiter.index = index;
      this.byIdentity.set(identity, waiter);
      if (index === undefined) return;
      const list = this.byIndex.get(index);
      if (list === undefined) this.byIndex.set(index, [waiter]);
      else list.push(waiter);
    });
  }

  private remove(waiter: ProposalWaiter): void {
    clearTimeout(waiter.timer);
    if (this.byIdentity.get(waiter.identity) === waiter) this.byIdentity.delete(waiter.identity);
    if (waiter.index === undefined) return;
    const list = this.byIndex.get(waiter.index);
    const at = list?.indexOf(waiter) ?? -1;
    if (list === undefined || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.byIndex.delete(waiter.index);
  }

  /**
   * The entry (index, term) carrying `identity` (its request id, or positionIdentity() when it has none)
   * was applied: its own waiter succeeds; any other waiter that expected this index lost its entry.
   */
  applied(index: number, term: number, identity: string, onResult: (ok: boolean) => void): void {
    const own = this.byIdentity.get(identity);
    if (own !== undefined) {
      this.remove(own);
      onResult(true);
      own.resolve({ index, term });
    }
    const displaced = this.byIndex.get(index);
    if (displaced === undefined) return;
    for (const waiter of [...displaced]) {
      this.remove(waiter);
      onResult(false);
      waiter.reject(new ApiError('UNAVAILABLE', `the entry at index ${index} was replaced by a new leader (term ${term}); retry`));
    }
  }

  failAll(err: Error): void {
    for (const waiter of [...this.byIdentity.values()]) {
      this.remove(waiter);
      waiter.reject(err);
    }
  }
}

interface ReadWaiter {
  index?: number;
  resolve: (index: number) => void;
  reject: (err: Error) => void;
  deadline: number;
  lastAsked: number;
}

/** Pending read-index requests keyed by context; `retry` is called for those not yet confirmed by a leader. */
export class ReadWaiters {
  private readonly pending = new Map<string, ReadWaiter>();
  private sequence = 0;

  constructor(private readonly prefix: string) {}

  /** Returns a context and a promise for the applied index at which the read may be served. */
  add(timeoutMs: number, now: number): { context: string; done: Promise<number> } {
    const context = `${this.prefix}-${++this.sequence}`;
    const done = new Promise<number>((resolve, reject) => {
      this.pending.set(context, { resolve, reject, deadline: now + timeoutMs, lastAsked: now });
    });
    return { context, done };
  }

  /** A leader confirmed a read index for `context`. */
  confirmed(context: string, index: number, applied: number): void {
    const waiter = this.pending.get(context);
    if (waiter === undefined) return;
    waiter.index = index;
    this.serve(applied);
  }

  /** Serves confirmed reads whose index has been applied. */
  serve(applied: number): void {
    for (const [context, waiter] of this.pending) {
      if (waiter.index !== undefined && waiter.index <= applied) {
        this.pending.delete(context);
        waiter.resolve(applied);
      }
    }
  }

  /** Expires overdue reads and returns the contexts to ask again (unconfirmed for longer than retryMs). */
  sweep(now: number, retryMs: number, noLeader: () => ApiError): string[] {
    const retry: string[] = [];
    for (const [context, waiter] of this.pending) {
      if (now >= waiter.deadline) {
        this.pending.delete(context);
        waiter.reject(waiter.index === undefined ? noLeader() : new ApiError('TIMEOUT', 'the read was not served in time'));
      } else if (waiter.index === undefined && now - waiter.lastAsked >= retryMs) {
        waiter.lastAsked = now;
        retry.push(context);
      }
    }
    return retry;
  }

  failAll(err: Error): void {
    for (const waiter of this.pending.values()) waiter.reject(err);
    this.pending.clear();
  }
}
