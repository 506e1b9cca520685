// The base of every chronik command: the --json flag (oclif's enableJsonFlag: a command returns its
// result and oclif prints it as the one JSON document), one-line errors, and SPEC.md's exit codes.
import { Command, Flags } from '@oclif/core';
import chalk from 'chalk';
import { writeCommandError, type CommandError } from '../shared/error-output.js';

if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') {
  // chalk 5 keeps colour on a TTY even when NO_COLOR is set.
  chalk.level = 0;
}

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  // Replaces oclif's own json flag (same name) only to say what chronik prints.
  static override baseFlags = {
    json: Flags.boolean({ description: 'Print exactly one JSON document on stdout.', default: false }),
  };

  /** Sets the exit code without throwing, for results that are output and a verdict at once (status 3). */
  protected setExitCode(code: number): void {
    process.exitCode = code;
  }

  // oclif's own catch exits 1 under --json whatever the error says; SPEC.md's codes hold there too.
  override async catch(err: CommandError): Promise<void> {
    const exitCode = writeCommandError(err, this.jsonEnabled());
    if (exitCode !== 0) process.exitCode = exitCode;
  }
}
