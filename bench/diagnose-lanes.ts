// Where diagnose's scanning time goes on the bench corpus, per dialect: every file scanned on this one
// thread, the first pass cold (as a lane meets it: JIT, anchors not yet picked), then the best
// of the warm passes. Usage: npx tsx bench/diagnose-lanes.ts [--runs 3]  (after npm run bench:diagnose)
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceScanner } from '../src/diagnose/scan.js';

const corpusDir = join(dirname(fileURLToPath(import.meta.url)), 'out', 'diagnose-corpus');
const runsAt = process.argv.indexOf('--runs');
const runs = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 3;
if (!existsSync(corpusDir) || !(runs > 1)) {
  console.error(`Error: needs the corpus in ${corpusDir} (npm run bench:diagnose) and --runs of 2 or more`);
  process.exit(2);
}
const sink = { handle: (): void => undefined, endOfStream: (): void => undefined };
const files = readdirSync(corpusDir).sort();
const cold = new Map<string, number>();
const warm = new Map<string, number>();
for (let run = 0; run < runs; run++) {
  const times = new Map<string, number>();
  for (const name of files) {
    const path = join(corpusDir, name);
    const start = performance.now();
    const report = new SourceScanner(path, sink).scanFile(path);
    const key = report.dialect;
    times.set(key, (times.get(key) ?? 0) + performance.now() - start);
  }
  for (const [key, ms] of times) {
    if (run === 0) cold.set(key, ms);
    else warm.set(key, Math.min(warm.get(key) ?? Infinity, ms));
  }
}
const sum = (m: Map<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
console.log('dialect            cold (ms)  warm (ms)');
for (const key of cold.keys()) console.log(`${key.padEnd(18)} ${cold.get(key)!.toFixed(0).padStart(9)}  ${warm.get(key)!.toFixed(0).padStart(9)}`);
console.log(`${'all 24 files'.padEnd(18)} ${sum(cold).toFixed(0).padStart(9)}  ${sum(warm).toFixed(0).padStart(9)}   (one thread; diagnose splits the files over two)`);
