// Datadriven interaction scripts for the core (test/raft/testdata/*.txt): each file is a scenario
// and its expected protocol trace. `REWRITE=1 npx vitest run test/raft/interaction.test.ts`
// rewrites the expected output from what the core does now (review the diff before committing).

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile } from '../support/datadriven.js';
import { Interaction } from './interaction.js';

const DIR = join(import.meta.dirname, 'testdata');
const files = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort();

describe('interaction scripts', () => {
  it('has scripts to run', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s', (file) => {
    const env = new Interaction();
    const mismatches = runFile(join(DIR, file), (d) => env.run(d));
    const report = mismatches.map(
      (m) => `${file}:${m.directive.line}: ${m.directive.text}\n--- expected\n${m.expected}\n--- actual\n${m.actual}`,
    );
    expect(report.join('\n\n')).toBe('');
  });
});
