// How long the node's own snapshot blocks the event loop: an in-process KV of N keys with 256-byte values
// is snapshotted by the real Snapshotter into a temp dir while a 1 ms timer measures how late it fires,
// and puts keep being applied. Prints the longest stalls and the event-loop delay percentiles. `inline`
// does what the node did before the Snapshotter: encode the whole map and write the file synchronously.
//   npx tsx bench/snapshot-stall.ts [keys=110000] [background|inline]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { encodeCommand, KvStore } from '../src/node/kv.js';
import { Logger } from '../src/node/logger.js';
import { writeSnapshotFile } from '../src/node/snapshot-file.js';
import { Snapshotter } from '../src/node/snapshotter.js';
import { Wal } from '../src/node/wal.js';
import { MemoryStorage } from '../src/raft/index.js';
import type { Entry } from '../src/raft/types.js';

const keys = Number(process.argv[2] ?? 110_000);
const mode = process.argv[3] ?? 'background';
const root = mkdtempSync(join(tmpdir(), 'chronik-snapstall-'));

async function main(): Promise<void> {
  const walDir = join(root, 'wal');
  Wal.create(walDir, [], { term: 1, vote: 1, commit: 0 });
  const { wal } = await Wal.open(walDir);
  const kv = new KvStore();
  const storage = new MemoryStorage();
  const value = 'v'.repeat(256);
  const batch: Entry[] = [];
  for (let i = 1; i <= keys; i++) batch.push({ type: 'normal', index: i, term: 1, data: encodeCommand({ op: 'put', key: `key-${i}-${Math.random().toString(36).slice(2, 10)}`, value }) });
  storage.append(batch);
  for (const entry of batch) kv.apply(entry.index, entry.type === 'normal' ? entry.data : undefined);
  batch.length = 0;
  let wake: () => void = () => undefined;
  const logFile = join(root, 'log');
  const logger = new Logger({ format: 'text', file: logFile }, 1);
  const snapshotter = new Snapshotter(root, { snapshotEntries: keys, snapshotWalBytes: 1 << 30, snapshotTrailing: 5000, walSegmentBytes: 16 << 20 }, logger, () => wake());
  const membership = { voters: [{ id: 1, addr: '127.0.0.1:1' }], learners: [] };
  const step = (): void => snapshotter.step(storage, wal, kv, membership);

  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const stalls: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    stalls.push(now - last - 1);
    last = now;
  }, 1);
  let index = keys;
  const writer = setInterval(() => {
    const entries: Entry[] = [];
    for (let i = 0; i < 20; i++) entries.push({ type: 'normal', index: ++index, term: 1, data: encodeCommand({ op: 'put', key: `new-${index}`, value }) });
    storage.append(entries);
    for (const entry of entries) kv.apply(entry.index, entry.type === 'normal' ? entry.data : undefined);
  }, 2);
  await new Promise((resolve) => setTimeout(resolve, 200));
  histogram.enable();
  const started = performance.now();
  if (mode === 'inline') {
    await new Promise((resolve) => setTimeout(resolve, 1));
    writeSnapshotFile(root, storage.createSnapshot(keys, membership, kv.encode()));
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The runtime calls step() between Readies; here, whenever the snapshotter asks for one.
  while (mode !== 'inline') {
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const before = performance.now();
    step();
    const stepMs = performance.now() - before;
    if (stepMs > 1) console.log(`step() took ${stepMs.toFixed(1)} ms`);
    if (readFileSync(logFile, 'utf8').includes('snapshot taken')) break;
    await woken;
  }
  const elapsed = performance.now() - started;
  histogram.disable();
  clearInterval(timer);
  clearInterval(writer);
  stalls.sort((a, b) => b - a);
  const ms = (ns: number): string => (ns / 1e6).toFixed(1);
  console.log(`${mode}: ${keys} keys, snapshot ${(storage.snapshot().data.length / 1024 / 1024).toFixed(1)} MiB in ${elapsed.toFixed(0)} ms`);
  console.log(`event-loop delay p50 ${ms(histogram.percentile(50))} ms, p99 ${ms(histogram.percentile(99))} ms, max ${ms(histogram.max)} ms`);
  console.log(`longest timer stalls (ms): ${stalls.slice(0, 8).map((s) => s.toFixed(1)).join(', ')}`);
  await wal.close();
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => rmSync(root, { recursive: true, force: true }));
