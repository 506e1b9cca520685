// Disk footprint under steady writes: a real single-node chronik (default snapshot settings unless the
// CHRONIK_SNAPSHOT_* / CHRONIK_WAL_SEGMENT_BYTES environment says otherwise) takes N writes of a 256-byte
// value spread over K distinct keys from C concurrent HTTP clients; prints the data dir size at the end
// (and its peak, sampled every 250 ms), with the WAL and snapshot shares.
//   npm run build && npx tsx bench/snapshot-disk.ts [writes=100000] [keys=1000] [concurrency=128]
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, removeDir, spawnChronik, tempDir } from '../test/support/cluster.js';
import { freePort } from '../test/support/ports.js';
import { agreedLeader, http } from '../test/e2e/node-harness.js';

const total = Number(process.argv[2] ?? 100_000);
const keys = Number(process.argv[3] ?? 1000);
const concurrency = Number(process.argv[4] ?? 128);
const root = tempDir('bench-disk');
const dataDir = join(root, 'node-1');

function dirBytes(dir: string): number {
  let sum = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    sum += entry.isDirectory() ? dirBytes(path) : statSync(path, { throwIfNoEntry: false })?.size ?? 0;
  }
  return sum;
}

const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`;

async function main(): Promise<void> {
  const addr = `127.0.0.1:${await freePort('bench')}`;
  spawnChronik(['bootstrap', '--node-id', '1', '--listen', addr, '--data-dir', dataDir]);
  await agreedLeader([addr], 30_000);
  const value = 'v'.repeat(256);
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, dirBytes(dataDir));
    } catch {
      // a file vanished between listing and stat: the next sample counts it
    }
  }, 250);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        const i = next++;
        const answer = await http(addr, 'POST', '/v1/propose', { key: `key-${i % keys}`, value });
        if (answer.status !== 200) throw new Error(`write ${i}: ${answer.status} ${answer.text}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  // A snapshot taken in the background may still be trimming the WAL: measure once the dir is steady.
  let view = (await http(addr, 'GET', '/v1/status')).body;
  for (let settled = 0; settled < 3; ) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const next = (await http(addr, 'GET', '/v1/status')).body;
    settled = next.walBytes === view.walBytes && next.snapshotIndex === view.snapshotIndex ? settled + 1 : 0;
    view = next;
  }
  clearInterval(sampler);
  const size = dirBytes(dataDir);
  peak = Math.max(peak, size);
  const snapshotBytes = statSync(join(dataDir, 'snapshot.bin'), { throwIfNoEntry: false })?.size ?? 0;
  console.log(
    `${total} writes of 256 bytes to ${keys} keys, 1 node, ${concurrency} clients, ${(total / seconds).toFixed(0)} writes/s: ` +
      `data dir ${mib(size)} at the end (peak ${mib(peak)}); wal ${mib(view.walBytes as number)} in ${readdirSync(join(dataDir, 'wal')).length} segment(s), ` +
      `snapshot.bin ${mib(snapshotBytes)} at index ${view.snapshotIndex as number}; ${mib(total * 256)} of values written`,
  );
}

main()
  .catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await killAll();
    removeDir(root);
  });
