// The fast start (src/cli/fast-start.ts) against oclif: for every command line it takes, bin/run.js
// must print byte for byte what oclif's own execute prints, and exit the same way, without loading
// oclif's Config; for those it leaves to oclif, oclif must be what answers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './cli.js';
import { TestCluster } from './cluster.js';

const RUN_JS = join(ROOT, 'bin', 'run.js');
const FIXTURES = join(ROOT, 'test/fixtures/diagnose');
const LOG = join(FIXTURES, 'chronik-text-real-quorum-lost/chronik-1.log');
// Every help text the build rendered (npm run build runs before the e2e tests).
const HELP_SUBJECTS = Object.keys(JSON.parse(readFileSync(join(ROOT, 'dist/cli/help-text.json'), 'utf8')) as Record<string, string>);
const marks = mkdtempSync(join(tmpdir(), 'chronik-fast-start-'));

// Records, at exit, whether oclif's Config (its command discovery) was loaded: the fast start never loads it.
const WATCH_OCLIF = `data:text/javascript,${encodeURIComponent(
  "import Module from 'node:module'; import { writeFileSync } from 'node:fs';" +
    "process.on('exit', () => writeFileSync(process.env.OCLIF_MARK, String(Object.keys(Module._cache).some((k) => k.includes('/@oclif/core/lib/config/')))));",
)}`;

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

let seq = 0;

/** `chronik ARGV` through bin/run.js (fast start first) or through oclif's execute alone. */
function run(argv: string[], via: 'bin' | 'oclif', env: NodeJS.ProcessEnv = {}): Outcome & { oclifLoaded: boolean } {
  const mark = join(marks, `m${seq++}`);
  const entry = via === 'bin' ? [RUN_JS, ...argv] : ['--input-type=module', '-e', `import { execute } from '@oclif/core'; await execute({ dir: ${JSON.stringify(pathToFileURL(RUN_JS).href)}, args: ${JSON.stringify(argv)} });`];
  const base = { ...process.env };
  // What a shell hands a command whose output is piped: no forced colour, no oclif debugging, no
  // NODE_ENV (vitest's 'test' turns on oclif's developer warnings).
  for (const name of ['FORCE_COLOR', 'DEBUG', 'OCLIF_COLUMNS', 'CHRONIK_CONTENT_TYPE', 'NO_COLOR', 'NODE_ENV']) delete base[name];
  const r = spawnSync(process.execPath, ['--import', WATCH_OCLIF, ...entry], { cwd: ROOT, encoding: 'utf8', env: { ...base, ...env, OCLIF_MARK: mark } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, oclifLoaded: readFileSync(mark, 'utf8') === 'true' };
}

/** The fast start answers ARGV, and exactly as oclif does. */
function expectSameAsOclif(argv: string[], env: NodeJS.ProcessEnv = {}): Outcome {
  const { oclifLoaded, ...fast } = run(argv, 'bin', env);
  const { oclifLoaded: oclifUsed, ...plain } = run(argv, 'oclif', env);
  expect(oclifUsed).toBe(true);
  expect(oclifLoaded, `fast start took ${argv.join(' ')}`).toBe(false);
  expect(fast).toEqual(plain);
  return fast;
}

const cluster = new TestCluster();
const stopped = new TestCluster();
let endpoint = '';
let stoppedDataDir = '';

beforeAll(async () => {
  const [[node], [old]] = await Promise.all([cluster.startVoters(1), stopped.startVoters(1)]);
  endpoint = node!.endpoint;
  await old!.stop();
  stoppedDataDir = old!.dataDir;
});

afterAll(async () => {
  await Promise.all([cluster.remove(), stopped.remove()]);
  rmSync(marks, { recursive: true, force: true });
});

describe('fast start: version and help', () => {
  it('--version', () => {
    expect(expectSameAsOclif(['--version']).stdout).toMatch(/^chronik\/\d+\.\d+\.\d+ \S+-\S+ node-v\d+/);
  });

  it.each([[[]], [['--help']], [['help']], [['status', '--help']], [['help', 'status']], [['diagnose', '--help']], [['recover', '--help']], [['recover', 'apply', '--help']], [['help', 'recover', 'plan']]])(
    'help: chronik %j',
    (argv) => {
      expect(expectSameAsOclif(argv).stdout).toContain('USAGE');
    },
  );

  it('holds a help text for every command and topic', () => {
    expect(HELP_SUBJECTS).toEqual(expect.arrayContaining(['', 'status', 'diagnose', 'bootstrap', 'get', 'propose', 'recover', 'recover apply', 'add-voter', 'help']));
  });

  it.each(HELP_SUBJECTS.map((subject) => [subject]))('the help text for "%s" is the one oclif prints', (subject) => {
    const words = subject.split(' ').filter(Boolean);
    expectSameAsOclif(['help', ...words]);
    // `help --help` is the root help to oclif (it skips the word help), which the fast start leaves to it.
    if (subject !== 'help') expectSameAsOclif([...words, '--help']);
  });
});

describe('fast start: status against a live single node', () => {
  it.each([[['--json']], [[]], [['--strict']], [['--json', '--timeout', '2s']]])('status %j', (extra) => {
    const out = expectSameAsOclif(['status', '--endpoints', endpoint, ...extra]);
    expect(out.status).toBe(0);
  });

  it('status --config (YAML, loaded from the bundle) and --data-dir of a stopped node', () => {
    const config = join(marks, 'cluster.yaml');
    writeFileSync(config, `cluster: fast\nnodes:\n  - { id: 1, addr: ${endpoint} }\n`);
    expect(expectSameAsOclif(['status', '--config', config, '--json']).status).toBe(0);
    expect(expectSameAsOclif(['status', '--data-dir', stoppedDataDir]).stdout).toContain('voters');
    expect(expectSameAsOclif(['status', '--data-dir', stoppedDataDir, '--json']).status).toBe(0);
  });

  it.each([
    [['status', '--bogus'], 2],
    [['status', '--config', '/nonexistent.yaml'], 2],
    [['status', '--endpoints', 'https://127.0.0.1:1', '--cacert', '/nonexistent.pem'], 2],
    [['status', '--json', '--bogus'], 2],
    [['status', '--wait', 'soon'], 2],
    [['status', '--timeout', 'soon'], 2],
    [['status', '--endpoints'], 2],
    [['status', '--wait', 'healthy', '--watch'], 2],
    [['status', '--data-dir', '/nonexistent', '--endpoints', '127.0.0.1:1'], 2],
    [['status', '--endpoints', '127.0.0.1:1', '--timeout', '500ms'], 1],
    [['status', '--endpoints', '127.0.0.1:1', '--timeout', '500ms', '--json'], 1],
    [['status', '--endpoints', 'no-port-here'], 2],
  ])('refuses %j as oclif does (one line, exit %i)', (argv, code) => {
    const out = expectSameAsOclif(argv);
    expect(out.status).toBe(code);
    expect(out.stderr).toMatch(/^Error: [^\n]+\n(Hint: [^\n]+\n)?$/);
  });
});

describe('fast start: diagnose', () => {
  it.each([
    [[LOG, '--json'], 3],
    [[LOG], 3],
    [[LOG, '--min-severity', 'critical', '--since', '2026-11-26T05:40:00Z'], 3],
    [[join(FIXTURES, 'chronik-text-real-quorum-lost'), '--json'], 3],
    [[join(FIXTURES, 'no-such-dir'), '--json'], 2],
    [[LOG, '--since', 'soon'], 2],
    [[LOG, '--min-severity', 'loud'], 2],
    [[], 2],
  ])('diagnose %j', (argv, code) => {
    expect(expectSameAsOclif(['diagnose', ...argv]).status).toBe(code);
  });
});

describe('fast start: what it leaves to oclif', () => {
  it.each([
    [['get', 'k', '--endpoints', '127.0.0.1:1', '--timeout', '300ms'], {}],
    [['status', '--endpoints', '127.0.0.1:1', '--help'], {}],
    [['nosuchcommand'], {}],
    [['--version'], { DEBUG: 'nothing-matches' }],
    [['status', '--bogus'], { NODE_ENV: 'development' }],
    [['help', '--help'], {}],
    [['status', '--json', '--endpoints', '127.0.0.1:1', '--timeout', '300ms'], { CHRONIK_CONTENT_TYPE: 'json' }],
    [['--help'], { OCLIF_COLUMNS: '120' }],
    [['--help'], { FORCE_COLOR: '1' }],
  ])('%j with %j goes to oclif', (argv, env) => {
    const viaBin = run(argv, 'bin', env);
    expect(viaBin.oclifLoaded).toBe(true);
    const { oclifLoaded: _b, ...fast } = viaBin;
    const { oclifLoaded: _o, ...plain } = run(argv, 'oclif', env);
    // Node's warnings name the process: (node:PID).
    const samePid = (o: Outcome): Outcome => ({ ...o, stderr: o.stderr.replace(/\(node:\d+\)/g, '(node)') });
    expect(samePid(fast)).toEqual(samePid(plain));
  });
});
