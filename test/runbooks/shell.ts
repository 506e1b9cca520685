// Runs shellcheck and `sh -n` for the runbook tests. A missing shellcheck is a failure, not a skip:
// CI installs it (.ci/run), and a check that silently does not run protects nothing.
import { spawnSync } from 'node:child_process';

export interface ShellResult {
  ok: boolean;
  output: string;
}

/** shellcheck over a file, or over text given on stdin (then as POSIX sh). */
export function shellcheck(target: { file: string } | { text: string }): ShellResult {
  const args = 'file' in target ? ['--format=gcc', target.file] : ['--format=gcc', '--shell=sh', '-'];
  const run = spawnSync('shellcheck', args, { input: 'text' in target ? target.text : undefined, encoding: 'utf8' });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(missing ? 'shellcheck is not installed: apt-get install -y shellcheck (CI does this in .ci/run)' : run.error.message);
  }
  return { ok: run.status === 0 && run.stdout === '', output: `${run.stdout}${run.stderr}` };
}

/** `sh -n`: the text parses as POSIX shell (dash on Debian). */
export function shSyntax(text: string): ShellResult {
  const run = spawnSync('sh', ['-n'], { input: text, encoding: 'utf8' });
  return { ok: run.status === 0, output: run.stderr };
}
