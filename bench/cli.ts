// CLI latency: median wall time of `chronik status --json` against a live single node and of
// `chronik --version` (20 runs each), with the pieces that make up the time. Prints figures; asserts nothing.
// Run: npm run build && npm run bench:cli
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../test/e2e/cli.js';
import { TestCluster } from '../test/e2e/cluster.js';

const RUNS = Number(process.env.RUNS ?? 20);
const RUN_JS = join(ROOT, 'bin', 'run.js');
const MANIFEST = join(ROOT, 'oclif.manifest.json');

function time(args: string[], expectCode = 0): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', NO_COLOR: '1' }, encoding: 'utf8' });
    samples.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== expectCode) throw new Error(`${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  }
  return samples;
}

function report(name: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  const median = sorted.length % 2 === 1 ? at(0.5) : ((sorted[sorted.length / 2 - 1] as number) + (sorted[sorted.length / 2] as number)) / 2;
  console.log(`${name.padEnd(48)} median ${median.toFixed(0).padStart(4)} ms   min ${at(0).toFixed(0).padStart(4)} ms   p90 ${at(0.9).toFixed(0).padStart(4)} ms`);
}

if (!existsSync(join(ROOT, 'dist', 'commands', 'status.js'))) throw new Error('run npm run build first');
if (existsSync(MANIFEST)) throw new Error(`${MANIFEST} exists; remove it so the figures describe the development layout`);

const cluster = new TestCluster();
try {
  const [node] = await cluster.startVoters(1);
  const endpoint = node!.endpoint;
  console.log(`chronik CLI latency, ${RUNS} runs each, node ${process.version}, single node at ${endpoint}\n`);
  report('node -e 0 (Node.js startup)', time(['-e', '0']));
  report("import('@oclif/core')", time(['--input-type=module', '-e', "await import('@oclif/core')"]));
  report('import dist/commands/status.js (+undici, chalk)', time(['--input-type=module', '-e', `await import(${JSON.stringify(join(ROOT, 'dist/commands/status.js'))})`]));
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
} finally {
  await cluster.remove();
}
