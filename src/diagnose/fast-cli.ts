// A start-up shortcut for `chronik diagnose`: its plain forms run without oclif, whose loading is a
// fixed ~100 ms before the first byte is read. Anything else (help, a flag it does not know, no path)
// is left to oclif, which gives the same report for the same arguments.
import { statSync } from 'node:fs';
import { writeCommandError, type CommandError } from '../shared/error-output.js';
import type { DiagnoseFlags } from './command.js';
import type { Severity } from './model.js';
import { startScanWorker } from './worker-start.js';

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
  // No path, or an empty one: oclif's messages for those are the reference.
  return paths.length > 0 && !paths.includes('') ? { paths, flags } : undefined;
}

/** Whether the paths may hold several files to scan side by side: a directory, or more than one file. */
function severalFiles(paths: string[]): boolean {
  const files = paths.filter((p) => p !== '-');
  return files.length > 1 || files.some((p) => statSync(p, { throwIfNoEntry: false })?.isDirectory() === true);
}

/** Runs `diagnose` if the arguments are plain; false means oclif must handle them. */
export async function runDiagnoseFast(argv: string[]): Promise<boolean> {
  const parsed = parsePlainArgs(argv);
  if (!parsed) return false;
  if (severalFiles(parsed.paths)) startScanWorker();
  try {
    const { runDiagnose } = await import('./command.js');
    process.exitCode = await runDiagnose(parsed.paths, parsed.flags);
  } catch (err) {
    process.exitCode = writeCommandError(err as CommandError, parsed.flags.json);
  }
  return true;
}
