// The write-once register checker accepts linearizable histories and names each kind of violation.
import { describe, expect, it } from 'vitest';
import { checkLinearizable, History } from './history.js';

function history(write: { invoke: number; ack?: number } | undefined, reads: [number, number, string | null][]): History {
  const h = new History();
  if (write !== undefined) h.writes.set('k', { key: 'k', value: 'v', ...write });
  for (const [invoke, complete, value] of reads) h.reads.push({ key: 'k', invoke, complete, value });
  return h;
}

describe('checkLinearizable', () => {
  it('accepts reads that miss a write still in flight and reads that see it before its ack', () => {
    expect(checkLinearizable(history({ invoke: 10, ack: 50 }, [[0, 5, null], [12, 20, null], [15, 30, 'v'], [40, 60, 'v'], [60, 70, 'v']]))).toEqual([]);
  });

  it('accepts an unacknowledged write that some reads saw and earlier ones did not', () => {
    expect(checkLinearizable(history({ invoke: 10 }, [[20, 30, null], [100, 110, 'v']]))).toEqual([]);
  });

  it('accepts overlapping reads that disagree (either order is possible)', () => {
    expect(checkLinearizable(history({ invoke: 0, ack: 100 }, [[10, 50, 'v'], [20, 40, null]]))).toEqual([]);
  });

  it('rejects a read that starts after the ack and finds nothing (a lost or stale write)', () => {
    const violations = checkLinearizable(history({ invoke: 10, ack: 50 }, [[60, 70, null]]));
    expect(violations).toHaveLength(1);
    expect(violations[0]?.problem).toMatch(/found nothing, after the write was acknowledged/);
  });

  it('rejects going back in time: a miss that starts after another read returned the value', () => {
    expect(checkLinearizable(history({ invoke: 10 }, [[20, 30, 'v'], [40, 50, null]]))).toHaveLength(1);
  });

  it('rejects a value seen before its write began, a wrong value, and a value never written', () => {
    expect(checkLinearizable(history({ invoke: 10, ack: 20 }, [[0, 5, 'v']]))[0]?.problem).toMatch(/before the write started/);
    expect(checkLinearizable(history({ invoke: 10, ack: 20 }, [[30, 40, 'other']]))[0]?.problem).toMatch(/"v" was written/);
    expect(checkLinearizable(history(undefined, [[30, 40, 'v']]))[0]?.problem).toMatch(/nothing was written/);
  });
});
