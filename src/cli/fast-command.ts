// The fast start's command-line parsing (fast-start.ts loads it for `status` and `diagnose` only):
// oclif's own parser with the flag definitions the oclif commands declare (status-flags.ts,
// diagnose-flags.ts), and oclif's own JSON printing. Bundled by esbuild into one CommonJS file that
// fast-start.ts loads with V8's code cache; nothing here does I/O or imports our other modules.
import { parse } from '@oclif/core/parser';
import { ux } from '@oclif/core/ux';
import { baseFlags } from './base-flags.js';
import { DIAGNOSE_STRICT, diagnoseArgs, diagnoseFlags } from './diagnose-flags.js';
import { statusFlags } from './status-flags.js';

/** status' flags from its command line, or the parser's error (exit 2). */
export async function parseStatus(argv: string[]) {
  return (await parse(argv, { flags: { ...baseFlags, ...statusFlags } })).flags;
}

/** diagnose's paths (every positional argument: it is not strict) and flags. */
export async function parseDiagnose(argv: string[]) {
  const parsed = await parse(argv, { args: diagnoseArgs, flags: { ...baseFlags, ...diagnoseFlags }, strict: DIAGNOSE_STRICT });
  return { paths: parsed.argv as string[], flags: parsed.flags };
}

/** Prints a command's result as oclif's Command.logJson does. */
export function printJson(result: object): void {
  ux.stdout(ux.colorizeJson(result, { pretty: true }));
}
