// The start-up shortcut must answer exactly as oclif does for the command lines it takes, and leave
// every other command line to oclif.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parsePlainArgs } from '../../src/diagnose/fast-cli.js';

const RUN = join(import.meta.dirname, '../../bin/run.js');
const FIXTURES = join(import.meta.dirname, '../fixtures/diagnose');
const SEED = join(FIXTURES, 'raw-seed-spec-lines');

function run(argv: string[], viaOclif: boolean): { status: number | null; stdout: string; stderr: string } {
  const args = viaOclif
    ? ['--input-type=module', '-e', `import { execute } from '@oclif/core'; await execute({ dir: ${JSON.stringify(pathToFileURL(RUN).href)}, args: ${JSON.stringify(argv)} });`]
    : [RUN, ...argv];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: join(import.meta.dirname, '../..'), env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('diagnose start-up shortcut', () => {
  it('takes plain command lines and leaves the rest to oclif', () => {
    expect(parsePlainArgs(['a.log', '--json', '--since', '2h', '--until=2026-11-26T04:00:00Z', '--min-severity', 'warning', '-'])).toEqual({
      paths: ['a.log', '-'],
      flags: { json: true, since: '2h', until: '2026-11-26T04:00:00Z', minSeverity: 'warning' },
    });
    for (const argv of [[], ['--help'], ['a.log', '-h'], ['a.log', '--min-severity', 'loud'], ['a.log', '--since'], ['a.log', '--verbose'], ['--', 'a.log']]) {
      expect(parsePlainArgs(argv), argv.join(' ')).toBeUndefined();
    }
  });

  it.each([
    [['diagnose', SEED, '--json']],
    [['diagnose', SEED, '--min-severity', 'critical']],
    [['diagnose', '--json', '--until=2026-11-20T10:00:10Z', SEED]],
    [['diagnose', join(FIXTURES, 'no-such-dir'), '--json']],
    [['diagnose', SEED, '--since', 'soon']],
  ])('%j: same output and exit code as through oclif', (argv) => {
    expect(run(argv, false)).toEqual(run(argv, true));
  });
});
