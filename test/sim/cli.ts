// `npm run sim -- --seeds N [--from S]` runs N seeded scenarios; `--seed S --verbose` replays one
// with its full history. A failing seed prints itself and the command that replays it.

import { parseArgs } from 'node:util';
import { runScenario, type ScenarioResult } from './scenario.js';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '100' },
    from: { type: 'string', default: '1' },
    seed: { type: 'string' },
    verbose: { type: 'boolean', default: false },
    'fail-fast': { type: 'boolean', default: false },
  },
});

function positiveInt(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`Error: ${flag} must be a non-negative integer, got ${JSON.stringify(text)}`);
    process.exit(2);
  }
  return value;
}

function describeFailure(result: ScenarioResult): string {
  return `seed ${result.seed} FAILED after ${result.ticks} ticks: ${result.violation}\n  replay: npm run sim -- --seed ${result.seed} --verbose`;
}

if (values.seed !== undefined) {
  const seed = positiveInt(values.seed, '--seed');
  const result = runScenario(seed, values.verbose ? (line) => console.log(line) : undefined);
  console.log(JSON.stringify({ seed, ok: result.ok, ticks: result.ticks, stats: result.stats }));
  if (!result.ok) {
    console.error(describeFailure(result));
    process.exit(1);
  }
} else {
  const count = positiveInt(values.seeds, '--seeds');
  const from = positiveInt(values.from, '--from');
  const started = Date.now();
  const totals = {
    ticks: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    crashes: 0,
    partitions: 0,
    resets: 0,
    leaders: 0,
    proposals: 0,
    applied: 0,
    acknowledged: 0,
    acknowledgedForwarded: 0,
    readsServed: 0,
    confChanges: 0,
    confChangesCommitted: 0,
    transfers: 0,
    snapshotsInstalled: 0,
  };
  const failures: ScenarioResult[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const result = runScenario(seed);
    totals.ticks += result.ticks;
    for (const key of Object.keys(totals) as (keyof typeof totals)[]) {
      if (key !== 'ticks') totals[key] += result.stats[key];
    }
    if (!result.ok) {
      failures.push(result);
      console.error(describeFailure(result));
      if (values['fail-fast']) {
        console.error(`first failure after ${seed - from + 1} scenarios, ${((Date.now() - started) / 1000).toFixed(1)}s`);
        process.exit(1);
      }
    }
    if ((seed - from + 1) % 1000 === 0) console.log(`... ${seed - from + 1} scenarios, ${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(`${count} scenarios (seeds ${from}..${from + count - 1}) in ${seconds.toFixed(1)}s: ${failures.length} violations`);
  console.log(`totals ${JSON.stringify(totals)}`);
  if (failures.length > 0) process.exit(1);
}
