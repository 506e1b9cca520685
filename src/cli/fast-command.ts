// The fast start's commands, bundled by esbuild into one CommonJS file that fast-start.ts loads with
// V8's code cache (Node 20 has none for ES modules): oclif's own parser with the flag definitions the
// oclif commands declare (status-flags.ts, diagnose-flags.ts), oclif's own JSON printing, and all of
// status' work (status-run.ts, the client, the error output), so that status reads one file instead
// of some twenty modules. diagnose's work is not in here: its scan worker is a file of dist/ of its own.
import { parse } from '@oclif/core/parser';
import { ux } from '@oclif/core/ux';
import { reportFailure, type CommandError } from '../shared/error-output.js';
import { baseFlags } from './base-flags.js';
import { DIAGNOSE_STRICT, diagnoseArgs, diagnoseFlags } from './diagnose-flags.js';
import { statusFlags } from './status-flags.js';
import { runStatus } from './status-run.js';

/** `chronik status` as oclif runs commands/status.ts: its report as JSON under --json (Command.logJson), a failure as BaseCommand.catch writes it. */
export async function runStatusCommand(argv: string[], json: boolean): Promise<void> {
  try {
    const { flags } = await parse(argv, { flags: { ...baseFlags, ...statusFlags } });
    const result = await runStatus(flags, json);
    if (result && json) ux.stdout(ux.colorizeJson(result, { pretty: true }));
  } catch (err) {
    reportFailure(err as CommandError, json);
  }
}

/** diagnose's paths (every positional argument: it is not strict) and flags, or the parser's error. */
export async function parseDiagnose(argv: string[]) {
  const parsed = await parse(argv, { args: diagnoseArgs, flags: { ...baseFlags, ...diagnoseFlags }, strict: DIAGNOSE_STRICT });
  return { paths: parsed.argv as string[], flags: parsed.flags };
}
