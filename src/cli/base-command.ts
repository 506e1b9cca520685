// The base of every chronik command: the --json flag (oclif's enableJsonFlag: a command returns its
// result and oclif prints it as the one JSON document), one-line errors, and SPEC.md's exit codes.
import { Command } from '@oclif/core';
import { baseFlags } from './base-flags.js';
import { reportFailure, type CommandError } from '../shared/error-output.js';

export abstract class BaseCommand extends Command {
  static override enableJsonFlag = true;

  static override baseFlags = baseFlags;

  /** Sets the exit code without throwing, for results that are output and a verdict at once (status 3). */
  protected setExitCode(code: number): void {
    process.exitCode = code;
  }

  // oclif's own catch exits 1 under --json whatever the error says; SPEC.md's codes hold there too.
  override async catch(err: CommandError): Promise<void> {
    reportFailure(err, this.jsonEnabled());
  }
}
