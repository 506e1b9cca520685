// The fast start: bin/run.js asks it first, and it answers --version, help, `status` and `diagnose`
// exactly as oclif would, without loading oclif's command machinery (Config.load, plugin and command
// discovery: ~100 ms before the first byte). Help is the text oclif itself rendered at build time;
// commands are parsed by oclif's own parser with the commands' own flag definitions and run by the
// library functions the oclif commands call (fast-command.ts, a bundle loaded with V8's code cache;
// diagnose's from dist/). Built by scripts/build-fast-start.mjs. What it cannot answer as oclif would,
// it leaves to oclif (returns false); tests hold both paths to byte-identical output and exit codes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { CommandError } from '../shared/error-output.js';

/** Help texts oclif rendered at build time for a pipe (80 columns, no colour), by command id or topic ('' is the root help). */
const HELP_FILE = new URL('./help-text.json', import.meta.url);
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);
/** fast-command.ts bundled (oclif's parser and status inside), and V8's code for it compiled at build time. */
const BUNDLE_FILE = fileURLToPath(new URL('./fast-command.cjs', import.meta.url));
const BUNDLE_CACHE = `${BUNDLE_FILE}.v8-cache`;

type CommandBundle = typeof import('./fast-command.js');

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
    // The platform as oclif's Config names it, by the same check (is-wsl, which oclif reaches through wsl-utils).
    const { default: isWsl } = await import('is-wsl');
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
  await runCommand(id, rest, json);
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

/** Runs the command as oclif would: status entirely from the bundle, diagnose's work from dist/. */
async function runCommand(id: 'status' | 'diagnose', argv: string[], json: boolean): Promise<void> {
  const bundle = await loadCommandBundle();
  if (id === 'status') return bundle.runStatusCommand(argv, json);
  // As commands/diagnose.ts runs it (it prints its own report), failures as BaseCommand.catch writes them.
  try {
    const { paths, flags } = await bundle.parseDiagnose(argv);
    const exitCode = await (await import('../diagnose/worker-start.js')).runDiagnoseCli(paths, flags, json);
    if (exitCode !== 0) process.exitCode = exitCode;
  } catch (err) {
    // The error output of dist/, whose error classes diagnose throws (instanceof).
    (await import('../shared/error-output.js')).reportFailure(err as CommandError, json);
  }
}

/**
 * Loads the command bundle as CommonJS with V8's code cache: compiling oclif's parser and status'
 * modules costs more than running them. V8 checks the cache against the source and its own version
 * and compiles afresh when it does not fit (another Node), so a stale cache is slow, never wrong. The
 * build calls this with warmUp, which runs the bundle before the cache is written so that the code
 * it ran is in the cache.
 */
export async function loadCommandBundle(warmUp?: (bundle: CommandBundle) => Promise<void>): Promise<CommandBundle> {
  const source = readFileSync(BUNDLE_FILE, 'utf8');
  const cachedData = warmUp === undefined && existsSync(BUNDLE_CACHE) ? readFileSync(BUNDLE_CACHE) : undefined;
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: BUNDLE_FILE, ...(cachedData ? { cachedData } : {}) });
  const module = { exports: {} as CommandBundle };
  (script.runInThisContext() as (e: CommandBundle, r: NodeJS.Require, m: { exports: CommandBundle }, f: string, d: string) => void)(module.exports, createRequire(BUNDLE_FILE), module, BUNDLE_FILE, dirname(BUNDLE_FILE));
  if (warmUp !== undefined) {
    await warmUp(module.exports);
    writeFileSync(BUNDLE_CACHE, script.createCachedData());
  }
  return module.exports;
}
