// The fast start: bin/run.js asks it first, and it answers --version, help, `status` and `diagnose`
// exactly as oclif would, without loading oclif's command machinery (Config.load, plugin and command
// discovery: ~100 ms before the first byte). Help is the text oclif itself rendered at build time;
// commands go to fast-command.ts (oclif's own parser with the commands' own flag definitions). Both
// are bundled by esbuild at build time (scripts/build-fast-start.mjs). What it cannot answer as oclif
// would, it leaves to oclif (returns false); tests hold both paths to byte-identical output and exit codes.
import { readFileSync } from 'node:fs';
import { arch } from 'node:os';

/** Help texts oclif rendered at build time for a pipe (80 columns, no colour), by command id or topic ('' is the root help). */
export const HELP_FILE = new URL('./help-text.json', import.meta.url);
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

/** Answers argv (the words after `chronik`) if it can do so exactly as oclif would; false leaves it to oclif. */
export async function runFast(argv: string[]): Promise<boolean> {
  const env = process.env;
  // These change what oclif prints (its debug lines and developer warnings, JSON everywhere, colour,
  // help width): oclif's call.
  if (env.DEBUG || env.NODE_ENV === 'development' || env.NODE_ENV === 'test') return false;
  if (env.CHRONIK_CONTENT_TYPE || env.FORCE_COLOR !== undefined || env.OCLIF_COLUMNS) return false;
  // oclif answers --version in first place whatever follows, with its Config's userAgent.
  if (argv[0] === '--version') {
    const { name, version } = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { name: string; version: string };
    // The platform as oclif's Config names it, by the same package (a dependency of @oclif/core).
    const { isWsl } = await import('wsl-utils');
    process.stdout.write(`${name}/${version} ${isWsl ? 'wsl' : process.platform}-${arch() === 'ia32' ? 'x86' : arch()} node-${process.version}\n`);
    return true;
  }
  const help = helpSubject(argv);
  if (help !== undefined) return printHelp(help);
  // Any other help request (a flag before --help, an unknown command): oclif finds the subject.
  if (beforeDoubleDash(argv).includes('--help')) return false;
  const [id, ...rest] = argv;
  // oclif colours --json documents on a colour terminal when the user has a theme: left to it there.
  const json = beforeDoubleDash(rest).includes('--json');
  if (json && process.stdout.isTTY && process.stderr.isTTY) return false;
  if (id !== 'status' && id !== 'diagnose') return false;
  // A second bundle, loaded only here: --version and help need no parser.
  await (await import('./fast-command.js')).runCommand(id, rest, json);
  return true;
}

/** The words before `--`, where oclif looks for --help and --json. */
function beforeDoubleDash(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return end === -1 ? argv : argv.slice(0, end);
}

/** The help subject of `chronik`, `chronik [help] [WORDS] [--help]` with WORDS a command or topic, as a key of HELP_FILE. */
function helpSubject(argv: string[]): string | undefined {
  if (argv.length === 0) return '';
  if (argv[0] === 'help' && !argv.some((a) => a.startsWith('-'))) return argv.slice(1).join(' ');
  if (argv.at(-1) === '--help' && !argv.slice(0, -1).some((a) => a.startsWith('-') || a === 'help')) return argv.slice(0, -1).join(' ');
  return undefined;
}

/** Prints oclif's help text for the subject when the output is what it was rendered for (a pipe). */
function printHelp(subject: string): boolean {
  if (process.stdout.isTTY) return false;
  const texts = JSON.parse(readFileSync(HELP_FILE, 'utf8')) as Record<string, string>;
  const text = texts[subject];
  if (text === undefined) return false;
  process.stdout.write(text);
  return true;
}
