// Failover time of a real three-node chronik cluster at default timing (tick 100ms, election 10 ticks):
// kill -9 the leader, measure until both survivors (a quorum of 3) report the same new leader, restart
// the killed node with its command line, repeat. Prints every run and the median.
//   npm run build && npx tsx bench/failover-chronik.ts [runs=10]
import { join } from 'node:path';
import { agreedLeader, freePort, killAll, removeDir, spawnChronik, status, tempDir, type NodeProcess } from '../test/e2e/node-harness.js';

const runs = Number(process.argv[2] ?? 10);
const root = tempDir('bench-failover');
const ids = [1, 2, 3];
const addrs = new Map<number, string>();
const argsOf = new Map<number, string[]>();
const nodes = new Map<number, NodeProcess>();

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function newLeaderAcknowledged(survivors: string[], old: number): Promise<number> {
  for (;;) {
    const views = await Promise.all(survivors.map((addr) => status(addr).catch(() => undefined)));
    const leader = views[0]?.leader ?? 0;
    if (leader !== 0 && leader !== old && views.every((view) => view?.leader === leader)) return leader;
    await new Promise((done) => setTimeout(done, 5));
  }
}

async function main(): Promise<void> {
  for (const id of ids) addrs.set(id, `127.0.0.1:${await freePort()}`);
  for (const id of ids) {
    const peers = ids.filter((other) => other !== id).map((other) => `${other}@${addrs.get(other)}`).join(',');
    const args = ['bootstrap', '--node-id', String(id), '--listen', addrs.get(id) as string, '--peers', peers, '--data-dir', join(root, `node-${id}`)];
    argsOf.set(id, args);
    nodes.set(id, spawnChronik(args));
  }
  const all = [...addrs.values()];
  const samples: number[] = [];
  for (let run = 1; run <= runs; run++) {
    const { leader: old } = await agreedLeader(all, 30_000);
    // Let the restarted node settle as a follower so every run starts from a healthy cluster.
    await new Promise((done) => setTimeout(done, 1500));
    const survivors = ids.filter((id) => id !== old).map((id) => addrs.get(id) as string);
    const killed = nodes.get(old) as NodeProcess;
    const started = performance.now();
    killed.proc.kill('SIGKILL');
    const leader = await newLeaderAcknowledged(survivors, old);
    const ms = performance.now() - started;
    samples.push(ms);
    console.log(`run ${run}: leader ${old} killed, node ${leader} leads after ${ms.toFixed(0)} ms`);
    await killed.exit;
    nodes.set(old, spawnChronik(argsOf.get(old) as string[]));
    const leaderAddr = addrs.get(leader) as string;
    const target = (await status(leaderAddr)).commitIndex;
    for (;;) {
      const view = await status(addrs.get(old) as string).catch(() => undefined);
      if (view !== undefined && view.leader === leader && view.appliedIndex >= target) break;
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  const sorted = [...samples].sort((a, b) => a - b);
  console.log(
    `failover (kill -9 of the leader -> new leader acknowledged by a quorum), ${runs} runs, default timing: ` +
      `median ${median(sorted).toFixed(0)} ms, min ${sorted[0]?.toFixed(0)} ms, max ${sorted.at(-1)?.toFixed(0)} ms`,
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
