// The base of every chronik command: the --json flag, one-line errors, and SPEC.md's exit codes.
import { Command, Flags } from '@oclif/core';
import chalk from 'chalk';
import { writeCommandError, type CommandError } from '../shared/error-output.js';

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

  override async catch(err: CommandError): Promise<void> {
    const exitCode = writeCommandError(err, this.jsonRequested);
    if (exitCode !== 0) process.exitCode = exitCode;
  }
}
