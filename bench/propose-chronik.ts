// Write throughput of a real three-node chronik cluster: N proposals of a 100-byte value from C concurrent
// HTTP clients against the leader, each answered once committed and applied. Prints proposals/s, latency
// percentiles and proposals per WAL fsync on the leader (the group-commit factor).
//   npm run build && npx tsx bench/propose-chronik.ts [proposals=2000] [concurrency=64]
import { join } from 'node:path';
import { agreedLeader, freePort, http, killAll, removeDir, spawnChronik, tempDir } from '../test/e2e/node-harness.js';

const total = Number(process.argv[2] ?? 2000);
const concurrency = Number(process.argv[3] ?? 64);
const root = tempDir('bench-propose');

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? 0);
}

async function main(): Promise<void> {
  const ids = [1, 2, 3];
  const addrs = new Map<number, string>();
  for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort()}`);
  for (const id of ids) {
    const peers = ids.filter((other) => other !== id).map((other) => `${other}@${addrs.get(other)}`).join(',');
    spawnChronik(['bootstrap', '--node-id', String(id), '--listen', addrs.get(id) as string, '--peers', peers, '--data-dir', join(root, `node-${id}`)]);
  }
  const { leader } = await agreedLeader([...addrs.values()], 30_000);
  const leaderAddr = addrs.get(leader) as string;
  const before = (await http(leaderAddr, 'GET', '/metrics')).text;

  const latencies: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      const t0 = performance.now();
      const answer = await http(leaderAddr, 'POST', '/v1/propose', { key: `key-${i}`, value: 'x'.repeat(100) });
      if (answer.status !== 200) throw new Error(`proposal ${i}: ${answer.status} ${answer.text}`);
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  const seconds = (performance.now() - started) / 1000;

  const after = (await http(leaderAddr, 'GET', '/metrics')).text;
  const fsyncs = metric(after, 'chronik_wal_fsync_duration_seconds_count') - metric(before, 'chronik_wal_fsync_duration_seconds_count');
  const fsyncSeconds = metric(after, 'chronik_wal_fsync_duration_seconds_sum') - metric(before, 'chronik_wal_fsync_duration_seconds_sum');
  const sorted = latencies.sort((a, b) => a - b);
  console.log(
    `${total} proposals, ${concurrency} concurrent clients, 3 nodes: ${(total / seconds).toFixed(0)} proposals/s; ` +
      `latency p50 ${percentile(sorted, 0.5).toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms; ` +
      `leader fsyncs ${fsyncs} (${(total / Math.max(fsyncs, 1)).toFixed(1)} proposals each, mean ${((fsyncSeconds / Math.max(fsyncs, 1)) * 1000).toFixed(1)} ms)`,
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
