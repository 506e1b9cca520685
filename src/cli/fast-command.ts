// The fast start's commands (fast-start.ts loads this bundle for `status` and `diagnose` only): their
// command lines are parsed by oclif's own parser with the flag definitions the oclif commands declare
// (status-flags.ts, diagnose-flags.ts), then run by the library functions those commands call, loaded
// from dist/ as tsc wrote them (one copy of each module and class). Bundled by esbuild at build time.
import { parse } from '@oclif/core/parser';
import { ux } from '@oclif/core/ux';
import { baseFlags } from './base-flags.js';
import { DIAGNOSE_STRICT, diagnoseArgs, diagnoseFlags } from './diagnose-flags.js';
import { statusFlags } from './status-flags.js';
import type { CommandError } from '../shared/error-output.js';
import type { Severity } from '../diagnose/model.js';

/** Runs the command as oclif's Command._run does with BaseCommand's catch: the result as JSON under --json, a failure as one line. */
export async function runCommand(id: 'status' | 'diagnose', argv: string[], json: boolean): Promise<void> {
  try {
    const result = id === 'status' ? await status(argv, json) : await diagnose(argv, json);
    if (result && json) ux.stdout(ux.colorizeJson(result, { pretty: true }));
  } catch (err) {
    const { reportFailure } = await import('../shared/error-output.js');
    reportFailure(err as CommandError, json);
  }
}

async function status(argv: string[], json: boolean): Promise<object | undefined> {
  const { flags } = await parse(argv, { flags: { ...baseFlags, ...statusFlags } });
  const { runStatus } = await import('./status-run.js');
  return runStatus(flags, json);
}

/** diagnose prints its own report (commands/diagnose.ts): nothing to return. */
async function diagnose(argv: string[], json: boolean): Promise<undefined> {
  const parsed = await parse(argv, { args: diagnoseArgs, flags: { ...baseFlags, ...diagnoseFlags }, strict: DIAGNOSE_STRICT });
  const paths = parsed.argv as string[];
  (await import('../diagnose/worker-start.js')).startScanWorkerFor(paths);
  const { runDiagnose } = await import('../diagnose/command.js');
  const { flags } = parsed;
  const exitCode = await runDiagnose(paths, { json, since: flags.since, until: flags.until, minSeverity: flags['min-severity'] as Severity });
  if (exitCode !== 0) process.exitCode = exitCode;
  return undefined;
}
