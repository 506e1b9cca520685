// A start-up shortcut for `chronik diagnose`: its plain forms run without oclif, whose loading is a
// fixed ~100 ms before the first byte is read. Anything else (help, a flag it does not know, no path)
// is left to oclif, which gives the same report for the same arguments.
import { ChronikError, EXIT_FAILED } from '../cli/errors.js';
import type { DiagnoseFlags } from './command.js';
import type { Severity } from './model.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

/** The paths and flags of a plain `diagnose` command line, or undefined to leave it to oclif. */
export function parsePlainArgs(argv: string[]): { paths: string[]; flags: DiagnoseFlags } | undefined {
  const paths: string[] = [];
  const flags: DiagnoseFlags = { json: false, minSeverity: 'info' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-' || !arg.startsWith('-')) {
      paths.push(arg);
      continue;
    }
    if (arg === '--json') {
      flags.json = true;
      continue;
    }
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = inline ?? argv[++i];
    if (value === undefined) return undefined;
    if (name === '--since') flags.since = value;
    else if (name === '--until') flags.until = value;
    else if (name === '--min-severity' && SEVERITIES.has(value)) flags.minSeverity = value as Severity;
    else return undefined;
  }
  const named = paths.filter((p) => p !== '');
  return named.length > 0 ? { paths: named, flags } : undefined;
}

/** Runs `diagnose` if the arguments are plain; false means oclif must handle them. */
export async function runDiagnoseFast(argv: string[]): Promise<boolean> {
  const parsed = parsePlainArgs(argv);
  if (!parsed) return false;
  try {
    const { runDiagnose } = await import('./command.js');
    process.exitCode = await runDiagnose(parsed.paths, parsed.flags);
  } catch (err) {
    // As BaseCommand renders errors: one line (and a hint) on stderr, the JSON error document for --json.
    const error = err as Error;
    const exitCode = error instanceof ChronikError ? error.exitCode : EXIT_FAILED;
    const message = error.message.split('\n')[0] ?? 'unknown error';
    const hint = error instanceof ChronikError ? error.hint : undefined;
    if (parsed.flags.json) process.stdout.write(`${JSON.stringify({ error: { message, exitCode, ...(hint ? { hint } : {}) } }, null, 2)}\n`);
    process.stderr.write(`Error: ${message}${hint ? `\nHint: ${hint}` : ''}\n`);
    if (process.env.DEBUG && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = exitCode;
  }
  return true;
}
