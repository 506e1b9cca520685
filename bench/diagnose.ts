// Benchmark: `chronik diagnose --json DIR` against `grep -cE` for the same handful of patterns over the same
// few hundred MB of mixed Raft logs, in one run (alternating, median of N each), wall time and peak RSS.
// Usage: npm run bench:diagnose -- [--size-mb 300] [--runs 3] [--reuse]   (needs `npm run build` first)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeCorpus } from './diagnose-corpus.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(repo, 'bench', 'out');
const corpusDir = join(outDir, 'diagnose-corpus');

/** What grep is asked to count: the lines diagnose's detectors key on, across the dialects in the corpus. */
export const GREP_PATTERN =
  'became (leader|candidate|pre-candidate)|dropping proposal|stepped down|quorum|entering (leader|candidate) state|voters: \\{\\}|voters=\\(\\)|cluster ID mismatch|unreachable|not a voter';

interface Options {
  sizeMb: number;
  runs: number;
  reuse: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { sizeMb: 300, runs: 3, reuse: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size-mb') o.sizeMb = Number(argv[++i]);
    else if (a === '--runs') o.runs = Number(argv[++i]);
    else if (a === '--reuse') o.reuse = true;
    else {
      console.error(`Error: unknown argument ${a}; usage: bench/diagnose.ts [--size-mb N] [--runs N] [--reuse]`);
      process.exit(2);
    }
  }
  if (!(o.sizeMb > 0) || !(o.runs > 0)) {
    console.error('Error: --size-mb and --runs take positive numbers');
    process.exit(2);
  }
  return o;
}

interface Measurement {
  wallSeconds: number;
  maxRssMb: number;
  exitCode: number;
}

/** Runs a command under GNU time -v and reads its wall clock and maximum resident set size. */
function measure(argv: string[], stdoutFile: string): Measurement {
  const timeFile = join(outDir, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-v', '-o', timeFile, 'sh', '-c', '"$@" > "$0"', stdoutFile, ...argv], { stdio: ['ignore', 'inherit', 'inherit'] });
  const report = readFileSync(timeFile, 'utf8');
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(report);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(report);
  const exit = /Exit status: (\d+)/.exec(report);
  if (!wall || !rss) throw new Error(`could not read /usr/bin/time output:\n${report}`);
  const wallSeconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { wallSeconds, maxRssMb: Number(rss[1]) / 1024, exitCode: Number(exit?.[1] ?? r.status ?? -1) };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync('/usr/bin/time')) {
    console.error('Error: /usr/bin/time (GNU time) is needed for peak RSS: apt-get install time');
    process.exit(1);
  }
  if (!existsSync(join(repo, 'dist', 'commands', 'diagnose.js'))) {
    console.error('Error: dist/ has no diagnose command: run `npm run build` first');
    process.exit(1);
  }
  mkdirSync(outDir, { recursive: true });
  const wantBytes = o.sizeMb * 1024 * 1024;
  const have = existsSync(corpusDir) ? readdirSync(corpusDir).reduce((n, f) => n + statSync(join(corpusDir, f)).size, 0) : 0;
  let genSeconds = 0;
  if (!o.reuse || Math.abs(have - wantBytes) > wantBytes * 0.05) {
    rmSync(corpusDir, { recursive: true, force: true });
    const start = process.hrtime.bigint();
    writeCorpus(corpusDir, wantBytes);
    genSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  }
  const files = readdirSync(corpusDir).sort().map((f) => join(corpusDir, f));
  const totalBytes = files.reduce((n, f) => n + statSync(f).size, 0);
  console.log(`corpus: ${files.length} files, ${(totalBytes / 1048576).toFixed(1)} MiB in ${corpusDir}${genSeconds ? ` (generated in ${genSeconds.toFixed(1)} s)` : ' (reused)'}`);

  // warm the page cache so neither contender pays for the first read
  spawnSync('cat', files, { stdio: ['ignore', 'ignore', 'inherit'] });

  const grepArgv = ['grep', '-cE', GREP_PATTERN, ...files];
  const diagnoseArgv = [process.execPath, join(repo, 'bin', 'run.js'), 'diagnose', '--json', corpusDir];
  const grepRuns: Measurement[] = [];
  const diagnoseRuns: Measurement[] = [];
  for (let i = 0; i < o.runs; i++) {
    grepRuns.push(measure(grepArgv, join(outDir, 'grep-counts.txt')));
    diagnoseRuns.push(measure(diagnoseArgv, join(outDir, 'diagnose-report.json')));
    console.log(`run ${i + 1}: grep ${grepRuns[i]?.wallSeconds.toFixed(2)} s, diagnose ${diagnoseRuns[i]?.wallSeconds.toFixed(2)} s`);
  }
  const report = JSON.parse(readFileSync(join(outDir, 'diagnose-report.json'), 'utf8')) as { findings: Array<{ code: string; severity: string }> };
  const grepMatches = readFileSync(join(outDir, 'grep-counts.txt'), 'utf8')
    .trim()
    .split('\n')
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(':') + 1)), 0);

  const g = { wallSeconds: median(grepRuns.map((m) => m.wallSeconds)), maxRssMb: median(grepRuns.map((m) => m.maxRssMb)) };
  const d = { wallSeconds: median(diagnoseRuns.map((m) => m.wallSeconds)), maxRssMb: median(diagnoseRuns.map((m) => m.maxRssMb)) };
  const ratio = d.wallSeconds / g.wallSeconds;
  const machine = { nproc: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', node: process.version, lang: process.env.LANG ?? '(unset)' };
  const rows = [
    ['contender', 'median wall (s)', 'median peak RSS (MiB)', 'runs (s)'],
    ['grep -cE', g.wallSeconds.toFixed(2), g.maxRssMb.toFixed(1), grepRuns.map((m) => m.wallSeconds.toFixed(2)).join(' ')],
    ['chronik diagnose --json', d.wallSeconds.toFixed(2), d.maxRssMb.toFixed(1), diagnoseRuns.map((m) => m.wallSeconds.toFixed(2)).join(' ')],
  ];
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) console.log(r.map((cell, c) => cell.padEnd(widths[c] ?? 0)).join('  '));
  console.log(`diagnose / grep wall time: ${ratio.toFixed(2)}x (target <= 1.5x); diagnose peak RSS ${d.maxRssMb.toFixed(0)} MiB (target < 200 MiB)`);
  console.log(`grep counted ${grepMatches} matching lines; diagnose reported ${report.findings.length} findings (${[...new Set(report.findings.map((f) => f.code))].join(', ')})`);
  console.log(`machine: ${machine.nproc} CPUs, ${machine.cpu}, node ${machine.node}, LANG=${machine.lang}`);

  const result = {
    date: new Date().toISOString(),
    machine,
    corpus: { files: files.length, bytes: totalBytes, dir: corpusDir },
    grep: { command: `grep -cE '${GREP_PATTERN}' <${files.length} files>`, ...g, runs: grepRuns, matchingLines: grepMatches },
    diagnose: { command: `node bin/run.js diagnose --json ${corpusDir}`, ...d, runs: diagnoseRuns, findings: report.findings.map((f) => `${f.code}:${f.severity}`) },
    ratio,
    targets: { ratioMax: 1.5, rssMaxMb: 200, met: ratio <= 1.5 && d.maxRssMb < 200 },
  };
  writeFileSync(join(outDir, 'diagnose-results.json'), JSON.stringify(result, null, 2) + '\n');
  console.log(`results: ${join(outDir, 'diagnose-results.json')}`);
}

main();
