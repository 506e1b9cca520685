// Single-node first write: start the README's single-node `chronik bootstrap` (no peers, default
// timing, its default data dir under a fresh working directory), watch its log for the `listening`
// line, then send a write in a tight retry loop; report listening -> first acknowledged write.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './lib/chronik.js';
import { closePollPools, requestJson } from './lib/cluster.js';
import { formatNumber, machineInfo, markdownTable, median, writeResult } from './lib/stats.js';
import { makeTempDir, startWatchdog } from './lib/processes.js';
import { parseFlags, parsePositiveIntegers, runMain, UsageError } from './lib/args.js';
import { freePort } from '../test/support/ports.js';

const START_BOUND_MS = 30_000;

interface StartRecord {
  start: number;
  /** Process spawned until the `listening` line. */
  listeningMs: number;
  /** `listening` line until the first write is answered 200. */
  firstWriteMs: number;
  attempts: number;
}

async function main(): Promise<void> {
  const flags = parseFlags({
    starts: { type: 'string', default: '10' },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'out') },
  });
  const [starts] = parsePositiveIntegers(flags.starts, '--starts');
  if (starts === undefined || starts > 100) throw new UsageError('--starts must be 1..100');
  startWatchdog(60_000 + starts * START_BOUND_MS);
  const records: StartRecord[] = [];
  for (let start = 0; start < starts; start++) {
    const record = await startOnce(start);
    records.push(record);
    console.error(`start ${start + 1}: listening after ${record.listeningMs.toFixed(0)} ms, first write ${record.firstWriteMs.toFixed(1)} ms later (${record.attempts} attempts)`);
  }
  const write = records.map((r) => r.firstWriteMs);
  const listening = records.map((r) => r.listeningMs);
  const table = markdownTable(
    ['starts', 'listening -> first write median ms', 'max ms', 'spawn -> listening median ms'],
    [[String(records.length), formatNumber(median(write), 1), formatNumber(Math.max(...write), 1), formatNumber(median(listening), 0)]],
  );
  console.log(table);
  await closePollPools();
  const file = writeResult(flags.out, 'first-write', { benchmark: 'first-write', machine: machineInfo({}), settings: { starts }, records, table });
  console.error(`wrote ${file}`);
}

/** One fresh single-node bootstrap: time to `listening`, then to the first acknowledged write; then stop it. */
async function startOnce(start: number): Promise<StartRecord> {
  const cwd = makeTempDir('first-write');
  const port = await freePort('bench');
  const origin = `http://127.0.0.1:${port}`;
  const spawnedAt = performance.now();
  // The README's command; only --listen differs, so that a node someone runs on 9192 is left alone.
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'run.js'), 'bootstrap', '--listen', `127.0.0.1:${port}`], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    const listeningAt = await new Promise<number>((resolve, reject) => {
      let text = '';
      const timer = setTimeout(() => reject(new Error(`no listening line within ${START_BOUND_MS} ms: ${text.slice(-500)}`)), START_BOUND_MS);
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        text += chunk;
        if (/ INFO +listening /.test(text)) {
          clearTimeout(timer);
          resolve(performance.now());
        }
      });
      child.once('exit', (code) => reject(new Error(`chronik exited with ${code} before listening: ${text.slice(-500)}`)));
    });
    const { path, body } = { path: '/v1/propose', body: JSON.stringify({ key: `first-${start}`, value: 'x' }) };
    for (let attempts = 1; ; attempts++) {
      const answer = await requestJson(origin, 'POST', path, body, 2000);
      const now = performance.now();
      if (answer !== null) return { start, listeningMs: listeningAt - spawnedAt, firstWriteMs: now - listeningAt, attempts };
      if (now - listeningAt > START_BOUND_MS) throw new Error(`no write acknowledged within ${START_BOUND_MS} ms of listening`);
    }
  } finally {
    child.kill('SIGKILL');
    await new Promise((done) => (child.exitCode !== null || child.signalCode !== null ? done(undefined) : child.once('exit', done)));
  }
}

runMain(main);
