// The base of every chronik command: the --json flag, one-line errors, and SPEC.md's exit codes.
import { Command, Flags } from '@oclif/core';
import chalk from 'chalk';
import { ChronikError, EXIT_FAILED, EXIT_USAGE } from './errors.js';

if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') {
  // chalk 5 keeps colour on a TTY even when NO_COLOR is set.
  chalk.level = 0;
}

export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({ description: 'Print exactly one JSON document on stdout.', default: false }),
  };

  /** True once argv asks for JSON; known before parsing so early errors can honour it. */
  protected get jsonRequested(): boolean {
    return this.argv.includes('--json');
  }

  /** Prints a JSON document as the command's only stdout output. */
  protected printJson(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
  }

  /** Sets the exit code without throwing, for results that are output and a verdict at once (status 3). */
  protected setExitCode(code: number): void {
    process.exitCode = code;
  }

  override async catch(err: Error & { oclif?: { exit?: number }; code?: string }): Promise<void> {
    const exitCode = exitCodeOf(err);
    if (exitCode === 0) return; // oclif signals --help/--version completion with exit 0 errors
    const message = oneLine(err.message);
    const hint = err instanceof ChronikError ? err.hint : usageHint(err);
    if (this.jsonRequested) {
      this.printJson({ error: { message, exitCode, ...(hint ? { hint } : {}) } });
    }
    process.stderr.write(`Error: ${message}${hint ? `\nHint: ${hint}` : ''}\n`);
    if (process.env.DEBUG && err.stack) process.stderr.write(`${err.stack}\n`);
    process.exitCode = exitCode;
  }
}

function exitCodeOf(err: Error & { oclif?: { exit?: number }; code?: string }): number {
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

function usageHint(err: Error & { oclif?: { exit?: number } }): string | undefined {
  return err.oclif?.exit === EXIT_USAGE ? 'see --help for usage' : undefined;
}
