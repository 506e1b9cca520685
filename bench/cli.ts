// CLI start-up: wall time of `chronik --version`, `--help`, `status --json` against a live single node
// and `diagnose --json` on a small fixture, each side by side with a bare `node -e 0` in the same
// rounds (every round runs every case once, in a rotating order, so load hits them alike), as medians
// and ratios to node. With --oclif the same command lines also run through oclif's plain execute (what
// bin/run.js did before the fast start), for comparison. With --cpu a second pass measures each run's
// CPU time (user + sys, from bash's `times`, to the millisecond), which a busy machine moves far less
// than wall time. Prints figures; asserts nothing.
// Run: npm run build && npm run bench:cli -- [--runs 15] [--oclif] [--cpu]
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from '../test/e2e/cli.js';
import { TestCluster } from '../test/e2e/cluster.js';
import { parseFlags, UsageError } from './lib/args.js';
import { formatNumber, machineInfo, markdownTable, median, writeResult } from './lib/stats.js';

const flags = parseFlags({ runs: { type: 'string', default: '15' }, oclif: { type: 'boolean', default: false }, cpu: { type: 'boolean', default: false } });
const RUNS = Number(flags.runs);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new UsageError('--runs takes a positive integer');
const RUN_JS = join(ROOT, 'bin', 'run.js');
const FIXTURE = join(ROOT, 'test/fixtures/diagnose/chronik-text-real-quorum-lost/chronik-1.log');
if (!existsSync(join(ROOT, 'dist/cli/fast-start.js'))) throw new UsageError('run npm run build first');

interface Case {
  name: string;
  args: string[];
  /** The exit code the command line means (diagnose of a sick cluster's log exits 3). */
  exit: number;
}

/** `chronik ARGS` through oclif's execute alone, as bin/run.js ran every command before the fast start. */
function viaOclif(args: string[]): string[] {
  return ['--input-type=module', '-e', `import { execute } from '@oclif/core'; await execute({ dir: ${JSON.stringify(pathToFileURL(RUN_JS).href)}, args: ${JSON.stringify(args)} });`];
}

/** Wall time of one run in ms; fails the bench when the command does not answer as it should. */
function timeOnce(c: Case): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, c.args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.status !== c.exit) throw new Error(`${c.name} exited ${result.status} (expected ${c.exit}): ${result.stderr}`);
  return ms;
}

/** CPU time (user + sys) of one run in ms, from bash's `times` for its child. */
function cpuOnce(c: Case): number {
  const quoted = [process.execPath, ...c.args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const result = spawnSync('bash', ['-c', `${quoted} >/dev/null 2>&1; times`], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  // `times` prints the shell's own times, then its children's: "0m0.051s 0m0.012s".
  const children = result.stdout.trim().split('\n').at(-1) ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  if (seconds.length !== 2) throw new Error(`cannot read CPU time of ${c.name} from: ${result.stdout}`);
  return (seconds[0]! + seconds[1]!) * 1000;
}

const load = (): string => loadavg().map((n) => n.toFixed(2)).join(' ');

const cluster = new TestCluster();
try {
  const [node] = await cluster.startVoters(1);
  const endpoint = node!.endpoint;
  const commands: { name: string; args: string[]; exit: number }[] = [
    { name: '--version', args: ['--version'], exit: 0 },
    { name: '--help', args: ['--help'], exit: 0 },
    { name: 'status --json', args: ['status', '--json', '--endpoints', endpoint], exit: 0 },
    { name: 'diagnose --json (one 12 KB log)', args: ['diagnose', FIXTURE, '--json'], exit: 3 },
  ];
  const cases: Case[] = [
    { name: 'node -e 0', args: ['-e', '0'], exit: 0 },
    ...commands.map((c) => ({ name: `chronik ${c.name}`, args: [RUN_JS, ...c.args], exit: c.exit })),
    ...(flags.oclif ? commands.map((c) => ({ name: `chronik ${c.name} (oclif alone)`, args: viaOclif(c.args), exit: c.exit })) : []),
  ];
  const loadAtStart = load();
  console.log(`chronik CLI start-up: ${RUNS} rounds, node ${process.version}, single node at ${endpoint}, load average ${loadAtStart}\n`);
  const samples = cases.map(() => [] as number[]);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const i = (round + k) % cases.length;
      samples[i]!.push(timeOnce(cases[i]!));
    }
  }
  const cpu = cases.map(() => [] as number[]);
  if (flags.cpu) {
    for (let round = 0; round < RUNS; round++) {
      for (let k = 0; k < cases.length; k++) {
        const i = (round + k) % cases.length;
        cpu[i]!.push(cpuOnce(cases[i]!));
      }
    }
  }
  const base = median(samples[0]!);
  const cpuBase = median(cpu[0]!);
  const rows = cases.map((c, i) => {
    const s = samples[i]!;
    const row = [c.name, formatNumber(median(s), 0), formatNumber(Math.min(...s), 0), i === 0 ? '1.00' : formatNumber(median(s) / base, 2)];
    return flags.cpu ? [...row, formatNumber(median(cpu[i]!), 0), formatNumber(median(cpu[i]!) / cpuBase, 2)] : row;
  });
  const headers = ['command', 'wall median (ms)', 'wall min (ms)', 'median / node -e 0'];
  console.log(markdownTable(flags.cpu ? [...headers, 'CPU median (ms)', 'CPU / node -e 0'] : headers, rows));
  const loadAtEnd = load();
  console.log(`\nload average at the end: ${loadAtEnd}`);
  const file = writeResult(join(ROOT, 'bench', 'out'), 'cli', {
    machine: machineInfo({ loadavgAtEnd: loadAtEnd }),
    runs: RUNS,
    cases: cases.map((c, i) => ({ name: c.name, args: c.args, wallMs: samples[i], cpuMs: cpu[i] })),
  });
  console.log(`results: ${file}`);
} finally {
  await cluster.remove();
}
