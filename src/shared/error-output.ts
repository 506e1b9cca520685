// How every command reports a failure: one line (and a hint) on stderr, the JSON error document on
// stdout under --json, and SPEC.md's exit code. Shared by BaseCommand and the fast start (src/cli/fast-start.ts).
import { ChronikError, EXIT_FAILED, EXIT_USAGE } from './errors.js';

export type CommandError = Error & { oclif?: { exit?: number }; code?: string };

/** Writes the error and sets the exit code it means: how a command ends when it throws (oclif's or the fast start's). */
export function reportFailure(err: CommandError, json: boolean): void {
  const exitCode = writeCommandError(err, json);
  if (exitCode !== 0) process.exitCode = exitCode;
}

/** Writes the error and returns the exit code it means (0 for oclif's --help/--version completion). */
function writeCommandError(err: CommandError, json: boolean): number {
  const exitCode = exitCodeOf(err);
  if (exitCode === 0) return 0;
  const message = oneLine(err.message);
  const hint = err instanceof ChronikError ? err.hint : usageHint(err);
  if (json) process.stdout.write(`${JSON.stringify({ error: { message, exitCode, ...(hint ? { hint } : {}) } }, null, 2)}\n`);
  process.stderr.write(`Error: ${message}${hint ? `\nHint: ${hint}` : ''}\n`);
  if (process.env.DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
  return exitCode;
}

function exitCodeOf(err: CommandError): number {
  if (err instanceof ChronikError) return err.exitCode;
  if (err.code === 'EEXIT' && typeof err.oclif?.exit === 'number') return err.oclif.exit;
  // oclif's parser errors (unknown flag, missing argument, bad option) carry exit 2.
  if (typeof err.oclif?.exit === 'number') return err.oclif.exit === 1 ? EXIT_FAILED : err.oclif.exit;
  return EXIT_FAILED;
}

/**
 * The first line of a message; oclif's "Missing 1 required arg:" lists the arguments on the lines
 * below, so their names are folded in ("Missing 1 required arg: key").
 */
function oneLine(text: string): string {
  const [first = 'unknown error', ...rest] = text.replace(/^Error:\s*/, '').split('\n');
  if (!first.endsWith(':')) return first;
  const names = rest.filter((line) => line.trim() !== '' && !/^See more help/.test(line)).map((line) => line.trim().split(/\s+/)[0]);
  return names.length > 0 ? `${first} ${names.join(', ')}` : first.slice(0, -1);
}

function usageHint(err: CommandError): string | undefined {
  return err.oclif?.exit === EXIT_USAGE ? 'see --help for usage' : undefined;
}
