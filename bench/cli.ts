// CLI latency: median wall time of `chronik status --json` against a live single node and of
// `chronik --version` (20 runs each), with the pieces that make up the time. Prints figures; asserts nothing.
// Run: npm run build && npm run bench:cli
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../test/e2e/cli.js';
import { TestCluster } from '../test/e2e/cluster.js';

const RUNS = Number(process.env.RUNS ?? 20);
const RUN_JS = join(ROOT, 'bin', 'run.js');
const MANIFEST = join(ROOT, 'oclif.manifest.json');

const TIMES = join(mkdtempSync(join(tmpdir(), 'chronik-bench-')), 'time');

interface Sample {
  wallMs: number;
  cpuMs: number;
}

/**
 * Runs `node ARGS` RUNS times under /usr/bin/time: wall time is what the operator waits; CPU time
 * (user + sys) is what the work costs, and moves far less than wall time when the machine is busy.
 */
function time(args: string[], expectCode = 0): Sample[] {
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', TIMES, process.execPath, ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' },
      encoding: 'utf8',
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== expectCode) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
    const [user, sys] = readFileSync(TIMES, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
    samples.push({ wallMs, cpuMs: ((user ?? 0) + (sys ?? 0)) * 1000 });
  }
  return samples;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function report(name: string, samples: Sample[]): void {
  const wall = samples.map((s) => s.wallMs);
  const cell = (n: number): string => n.toFixed(0).padStart(5);
  console.log(`${name.padEnd(50)} wall median ${cell(median(wall))} ms  min ${cell(Math.min(...wall))} ms   cpu median ${cell(median(samples.map((s) => s.cpuMs)))} ms`);
}

const load = (): string => loadavg().map((n) => n.toFixed(1)).join(' ');

if (!existsSync(join(ROOT, 'dist', 'commands', 'status.js'))) throw new Error('run npm run build first');
if (existsSync(MANIFEST)) throw new Error(`${MANIFEST} exists; remove it so the figures describe the development layout`);

const cluster = new TestCluster();
try {
  const [node] = await cluster.startVoters(1);
  const endpoint = node!.endpoint;
  console.log(`chronik CLI latency, ${RUNS} runs each, node ${process.version}, single node at ${endpoint}, load average ${load()}\n`);
  report('node -e 0 (Node.js startup)', time(['-e', '0']));
  report("import('@oclif/core')", time(['--input-type=module', '-e', "await import('@oclif/core')"]));
  const importAll = (files: string[]): string[] => ['--input-type=module', '-e', files.map((f) => `await import(${JSON.stringify(join(ROOT, f))});`).join('')];
  report('import status command (+oclif, chalk)', time(importAll(['dist/commands/status.js'])));
  // Without a manifest oclif imports every command to list them, whatever the operator asked for.
  report('import every command (what a manifest avoids)', time(importAll(readdirSync(join(ROOT, 'dist/commands')).filter((f) => f.endsWith('.js')).map((f) => `dist/commands/${f}`))));
  report('chronik --version', time([RUN_JS, '--version']));
  report('chronik status --json', time([RUN_JS, 'status', '--json', '--endpoints', endpoint]));
  const manifest = spawnSync(join(ROOT, 'node_modules', '.bin', 'oclif'), ['manifest'], { cwd: ROOT, encoding: 'utf8' });
  if (manifest.status !== 0) throw new Error(`oclif manifest failed: ${manifest.stderr}`);
  try {
    report('chronik --version (with oclif.manifest.json)', time([RUN_JS, '--version']));
    report('chronik status --json (with oclif.manifest.json)', time([RUN_JS, 'status', '--json', '--endpoints', endpoint]));
  } finally {
    rmSync(MANIFEST, { force: true });
  }
  console.log(`\nload average at the end: ${load()}`);
} finally {
  await cluster.remove();
}
