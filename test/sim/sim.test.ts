// Runs a few hundred seeded simulator scenarios as part of `npm test`; any violation names its seed.

import { describe, expect, it } from 'vitest';
import { runScenario } from './scenario.js';

const SEEDS = 300;

describe('deterministic simulator', () => {
  it(`keeps every invariant and stays live over ${SEEDS} seeded scenarios`, () => {
    const failures: string[] = [];
    let resetOnlyCuts = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const result = runScenario(seed);
      if (!result.ok) failures.push(`seed ${seed}: ${result.violation} (replay: npm run sim -- --seed ${seed} --verbose)`);
      if (result.mix.resets.only) resetOnlyCuts += result.stats.resets;
    }
    expect(failures).toEqual([]);
    // The no-disruption invariant was put to work: healthy leaders had followers' connections reset.
    expect(resetOnlyCuts).toBeGreaterThan(50);
  }, 120_000);

  it('replays a seed exactly', () => {
    const lines = (seed: number): string[] => {
      const trace: string[] = [];
      runScenario(seed, (line) => trace.push(line));
      return trace;
    };
    const first = lines(7);
    expect(first.length).toBeGreaterThan(100);
    expect(lines(7)).toEqual(first);
  });
});
