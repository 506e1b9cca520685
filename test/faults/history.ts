// A recorded history of writes and reads and its linearizability check, for registers written at most once
// with a unique value: the key goes from absent to its value at one instant inside the write's interval.
export interface WriteOp {
  key: string;
  value: string;
  invoke: number;
  /** Completion time of an acknowledged write; undefined when the outcome is unknown (error, timeout). */
  ack?: number;
  /** The log index the acknowledgement named. */
  index?: number;
}

export interface ReadOp {
  key: string;
  invoke: number;
  complete: number;
  /** The value read, or null for "not found". */
  value: string | null;
}

export class History {
  readonly writes = new Map<string, WriteOp>();
  readonly reads: ReadOp[] = [];

  /** Times in ms from one monotonic clock shared by every worker of the run. */
  now(): number {
    return performance.now();
  }

  beginWrite(key: string, value: string): WriteOp {
    if (this.writes.has(key)) throw new Error(`key ${key} written twice: this checker needs each key written once`);
    const op: WriteOp = { key, value, invoke: this.now() };
    this.writes.set(key, op);
    return op;
  }

  acknowledged(): WriteOp[] {
    return [...this.writes.values()].filter((op) => op.ack !== undefined);
  }
}

export interface Violation {
  key: string;
  problem: string;
}

/**
 * Exact check for write-once registers. A read that returned the value must linearize after the write,
 * a "not found" read before it; so some instant t inside [write.invoke, write.ack] (ack = infinity when
 * unknown) must lie after every not-found read's invocation and no later than every value read's
 * completion. Reads of a value nobody wrote, or of a key nobody wrote, are violations outright.
 */
export function checkLinearizable(history: History): Violation[] {
  const violations: Violation[] = [];
  const readsByKey = new Map<string, ReadOp[]>();
  for (const read of history.reads) {
    const list = readsByKey.get(read.key);
    if (list === undefined) readsByKey.set(read.key, [read]);
    else list.push(read);
  }
  for (const [key, reads] of readsByKey) {
    const write = history.writes.get(key);
    const found = reads.filter((read) => read.value !== null);
    const absent = reads.filter((read) => read.value === null);
    for (const read of found) {
      if (write === undefined || read.value !== write.value) {
        violations.push({ key, problem: `read ${JSON.stringify(read.value)}, but ${write === undefined ? 'nothing was written' : `${JSON.stringify(write.value)} was written`}` });
      }
    }
    if (write === undefined || found.some((read) => read.value !== write.value)) continue;
    // The write's instant t: after every absent read started (and after its own invocation) ...
    const earliest = Math.max(write.invoke, ...absent.map((read) => read.invoke));
    // ... and no later than every value read completed (and its own acknowledgement).
    const latest = Math.min(write.ack ?? Number.POSITIVE_INFINITY, ...found.map((read) => read.complete));
    if (earliest > latest) {
      const staleRead = absent.find((read) => read.invoke > latest);
      const early = found.find((read) => read.complete < earliest);
      violations.push({
        key,
        problem: staleRead
          ? `a read starting at ${staleRead.invoke.toFixed(1)} ms found nothing, after the write was ${write.ack !== undefined && write.ack <= latest ? 'acknowledged' : 'already read'} at ${latest.toFixed(1)} ms`
          : `a read completing at ${early?.complete.toFixed(1)} ms saw the value before the write started or before an earlier read still missed it (${earliest.toFixed(1)} ms)`,
      });
    }
  }
  return violations;
}
