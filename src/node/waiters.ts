// Requests waiting on the log: proposals resolved when their (index, term) is applied, failed when another
// term lands at their index; and linearizable reads served once the applied index reaches their read index.
import { ApiError } from './api-error.js';

interface ProposalWaiter {
  term: number;
  resolve: () => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

export class ProposalWaiters {
  private readonly byIndex = new Map<number, ProposalWaiter[]>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Resolves once the entry (index, term) is applied; rejects with TIMEOUT (it may still commit later). */
  wait(index: number, term: number, timeoutMs: number, onFail: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: ProposalWaiter = {
        term,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.remove(index, waiter);
          onFail();
          reject(new ApiError('TIMEOUT', `entry ${index} was not applied within ${timeoutMs} ms; it may still commit later`));
        }, timeoutMs),
      };
      const list = this.byIndex.get(index);
      if (list === undefined) this.byIndex.set(index, [waiter]);
      else list.push(waiter);
      this.count += 1;
    });
  }

  private remove(index: number, waiter: ProposalWaiter): void {
    const list = this.byIndex.get(index);
    if (list === undefined) return;
    const at = list.indexOf(waiter);
    if (at < 0) return;
    list.splice(at, 1);
    this.count -= 1;
    if (list.length === 0) this.byIndex.delete(index);
  }

  /** An entry was applied: waiters for the same (index, term) succeeded, others at that index lost their entry. */
  applied(index: number, term: number, onResult: (ok: boolean) => void): void {
    const list = this.byIndex.get(index);
    if (list === undefined) return;
    this.byIndex.delete(index);
    for (const waiter of list) {
      clearTimeout(waiter.timer);
      this.count -= 1;
      if (waiter.term === term) {
        onResult(true);
        waiter.resolve();
      } else {
        onResult(false);
        waiter.reject(new ApiError('UNAVAILABLE', `the entry at index ${index} was replaced by a new leader (term ${term}); retry`));
      }
    }
  }

  failAll(err: Error): void {
    for (const list of this.byIndex.values()) {
      for (const waiter of list) {
        clearTimeout(waiter.timer);
        waiter.reject(err);
      }
    }
    this.byIndex.clear();
    this.count = 0;
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
