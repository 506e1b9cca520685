// The build's second half (after tsc): bundles src/cli/fast-start.ts and src/cli/fast-command.ts into
// one file each in dist/cli/ (oclif's parser and the commands' flag definitions inside the second; our
// other modules stay in dist/ and are imported from there), writes V8's code cache for the second,
// and has oclif itself render every help text the fast start prints into dist/cli/help-text.json.
// Run by `npm run build`.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as esbuild from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUN_JS = pathToFileURL(join(ROOT, 'bin', 'run.js')).href;

const common = { bundle: true, platform: 'node', target: 'node20', minify: true, logLevel: 'warning' };

// The start: --version and help, and the command runner; a few KB. What it imports only for
// --version (is-wsl) is split into a file of its own. Our modules it
// loads with import() for diagnose stay the files tsc wrote next to it: diagnose's scan worker is
// one of them, and its error classes must be the ones its error output knows (instanceof).
await esbuild.build({
  ...common,
  entryPoints: [join(ROOT, 'src/cli/fast-start.ts')],
  outdir: join(ROOT, 'dist/cli'),
  format: 'esm',
  splitting: true,
  chunkNames: 'fast-start-[hash]',
  plugins: [
    {
      name: 'own-modules-stay-in-dist',
      setup(build) {
        build.onResolve({ filter: /^\.\.?\// }, (args) => (args.kind === 'dynamic-import' ? { path: args.path, external: true } : undefined));
      },
    },
  ],
});
// The commands: oclif's parser, the flag definitions and status' whole module graph (its lazy
// imports included), as CommonJS so that it can run from V8's code cache.
await esbuild.build({
  ...common,
  entryPoints: [join(ROOT, 'src/cli/fast-command.ts')],
  outfile: join(ROOT, 'dist/cli/fast-command.cjs'),
  format: 'cjs',
  // Required by oclif only to run TypeScript sources in development, never on this path (9 MB).
  external: ['typescript'],
  // createRequire(import.meta.url) (yaml, node:tls) resolves from the bundle's own place.
  define: { 'import.meta.url': '__bundleUrl' },
  banner: { js: "var __bundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [
    {
      name: 'no-diagnose-inside',
      setup(build) {
        build.onResolve({ filter: /diagnose\// }, (args) => ({ errors: [{ text: `${args.importer} imports ${args.path}: diagnose runs from dist/` }] }));
      },
    },
  ],
});
// V8's code for the bundle, written after running what the fast start runs (diagnose's parse, and
// status as far as it goes without a node: an endpoint that refuses), so that their code is compiled.
const { loadCommandBundle } = await import(pathToFileURL(join(ROOT, 'dist/cli/fast-start.js')).href);
await loadCommandBundle(async (bundle) => {
  await bundle.parseDiagnose(['a.log', 'b.log', '--json', '--since', '2h', '--min-severity', 'warning']);
  const { stdout, stderr } = process;
  const writes = [stdout.write, stderr.write];
  stdout.write = stderr.write = () => true;
  try {
    for (const json of [true, false]) await bundle.runStatusCommand(['--endpoints', '127.0.0.1:1', '--timeout', '300ms', ...(json ? ['--json'] : [])], json);
  } finally {
    [stdout.write, stderr.write] = writes;
    process.exitCode = undefined;
  }
});

const run = promisify(execFile);

/** `chronik ARGS` through oclif alone (bin/run.js would take the fast start), stdout to a pipe, as a shell runs it. */
async function oclif(args) {
  const script = `import { execute } from '@oclif/core'; await execute({ dir: ${JSON.stringify(RUN_JS)}, args: ${JSON.stringify(args)} });`;
  const env = { ...process.env };
  for (const name of ['FORCE_COLOR', 'OCLIF_COLUMNS', 'DEBUG', 'CHRONIK_CONTENT_TYPE', 'NODE_ENV']) delete env[name];
  const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, maxBuffer: 16 << 20 });
  if (stderr !== '') throw new Error(`chronik ${args.join(' ')} wrote to stderr: ${stderr}`);
  return stdout;
}

const listing = `import { Config } from '@oclif/core'; const c = await Config.load(${JSON.stringify(RUN_JS)});
  console.log(JSON.stringify([...c.commands.filter((k) => !k.hidden).map((k) => k.id), ...c.topics.map((t) => t.name)]));`;
const { stdout } = await run(process.execPath, ['--input-type=module', '-e', listing], { cwd: ROOT });
const subjects = ['', ...new Set(JSON.parse(stdout).map((id) => id.split(':').join(' ')))];
const texts = await Promise.all(subjects.map((subject) => oclif(subject === '' ? ['--help'] : [...subject.split(' '), '--help'])));
writeFileSync(join(ROOT, 'dist/cli/help-text.json'), `${JSON.stringify(Object.fromEntries(subjects.map((s, i) => [s, texts[i]])), null, 1)}\n`);
