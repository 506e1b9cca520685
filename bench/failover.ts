// Failover time of chronik and etcd side by side: kill -9 the leader of a 3-member cluster (same
// election timing in both), time until a quorum acknowledges a new leader, restart it, repeat. Then
// SIGSTOP the leader (silent, its connections stay open), time the same, SIGCONT it, repeat.
import { join } from 'node:path';
import { etcdVersion } from './lib/etcd.js';
import { REPO_ROOT } from './lib/chronik.js';
import {
  closePollPools,
  requestJson,
  waitForLeaderAgreement,
  type BenchCluster,
  type SystemName,
} from './lib/cluster.js';
import { formatNumber, machineInfo, markdownTable, median, writeResult } from './lib/stats.js';
import { keepTempDirsOnExit, sleep, startWatchdog } from './lib/processes.js';
import { clusterFor, parseDuration, parseFlags, parsePositiveIntegers, parseSystems, runMain, UsageError } from './lib/args.js';

const ALL_MEMBERS = [0, 1, 2];
const RECOVERY_WAIT_MS = 30_000;

type Fault = 'kill' | 'stop';

interface KillRecord {
  system: SystemName;
  /** kill -9 (the process is gone, its connections reset) or SIGSTOP (frozen: silent, nothing resets). */
  fault: Fault;
  kill: number;
  killedMember: number;
  oldTerm: number;
  newLeader: number;
  newTerm: number;
  /** The fault until both survivors (a quorum of 3) name the same new leader. */
  leaderMs: number;
  /** The fault until a write to the new leader is answered 200. */
  firstWriteMs: number;
}

async function main(): Promise<void> {
  const flags = parseFlags({
    systems: { type: 'string' },
    'alt-root': { type: 'string' },
    kills: { type: 'string', default: '20' },
    stops: { type: 'string', default: '3' },
    'poll-interval': { type: 'string', default: '10ms' },
    settle: { type: 'string', default: '2s' },
    keep: { type: 'boolean', default: false },
    out: { type: 'string', default: join(REPO_ROOT, 'bench', 'out') },
  });
  const altRoot = flags['alt-root'];
  const systems = parseSystems(flags.systems, altRoot);
  const [kills] = parsePositiveIntegers(flags.kills, '--kills');
  if (kills === undefined || kills > 50) throw new UsageError('--kills must be 1..50');
  const stops = Number(flags.stops);
  if (!Number.isInteger(stops) || stops < 0 || stops > 50) throw new UsageError('--stops must be 0..50');
  const intervalMs = parseDuration(flags['poll-interval'], '--poll-interval');
  const settleMs = parseDuration(flags.settle, '--settle');
  if (flags.keep) keepTempDirsOnExit();
  startWatchdog(120_000 + (kills + stops) * systems.length * (settleMs + 2 * RECOVERY_WAIT_MS));

  const clusters = new Map<SystemName, BenchCluster>();
  for (const system of systems) clusters.set(system, clusterFor(system, altRoot));
  for (const cluster of clusters.values()) await cluster.start();

  const records: KillRecord[] = [];
  // Faults alternate between the systems so that machine drift hits both alike.
  const plan: Fault[] = [...Array<Fault>(kills).fill('kill'), ...Array<Fault>(stops).fill('stop')];
  for (const [kill, fault] of plan.entries()) {
    for (const cluster of clusters.values()) {
      const record = await killLeaderOnce(cluster, fault, kill, intervalMs, settleMs);
      records.push(record);
      console.error(
        `${cluster.system} ${fault === 'kill' ? 'kill -9' : 'SIGSTOP'} ${kill + 1}: ${record.killedMember + 1} (term ${record.oldTerm}), ` +
          `new leader ${record.newLeader + 1} (term ${record.newTerm}) after ${record.leaderMs.toFixed(0)} ms, ` +
          `first write ${record.firstWriteMs.toFixed(0)} ms`,
      );
    }
  }

  const headers = ['system', 'fault', 'count', 'leader median ms', 'leader max ms', 'leader min ms', 'first write median ms', 'first write max ms'];
  const groups = systems.flatMap((system) => (['kill', 'stop'] as const).map((fault) => ({ system, fault })));
  const rows = groups.filter(({ system, fault }) => records.some((r) => r.system === system && r.fault === fault)).map(({ system, fault }) => {
    const mine = records.filter((record) => record.system === system && record.fault === fault);
    const leader = mine.map((record) => record.leaderMs);
    const write = mine.map((record) => record.firstWriteMs);
    return [
      system,
      fault === 'kill' ? 'kill -9' : 'SIGSTOP',
      String(mine.length),
      formatNumber(median(leader), 0),
      formatNumber(Math.max(...leader), 0),
      formatNumber(Math.min(...leader), 0),
      formatNumber(median(write), 0),
      formatNumber(Math.max(...write), 0),
    ];
  });
  const table = markdownTable(headers, rows);
  console.log(table);

  await closePollPools();
  for (const cluster of clusters.values()) await cluster.stop();
  const file = writeResult(flags.out, 'failover', {
    benchmark: 'failover',
    machine: machineInfo({ etcd: systems.includes('etcd') ? etcdVersion() : 'not run' }),
    settings: { systems, altRoot, kills, stops, pollIntervalMs: intervalMs, settleMs },
    records,
    table,
  });
  console.error(`wrote ${file}`);
}

async function killLeaderOnce(cluster: BenchCluster, fault: Fault, kill: number, intervalMs: number, settleMs: number): Promise<KillRecord> {
  // Start each kill from a whole cluster: the member killed last time has rejoined and follows.
  await waitForLeaderAgreement(cluster, ALL_MEMBERS, { timeoutMs: RECOVERY_WAIT_MS, intervalMs: 50, requireAll: true });
  await sleep(settleMs);
  const before = await waitForLeaderAgreement(cluster, ALL_MEMBERS, { timeoutMs: RECOVERY_WAIT_MS, intervalMs: 50, requireAll: true });
  const survivors = ALL_MEMBERS.filter((member) => member !== before.leader);

  const pid = cluster.pid(before.leader);
  if (pid === undefined) throw new Error(`${cluster.system}: member ${before.leader + 1} has no process`);
  const killedAt = performance.now();
  if (fault === 'kill') await cluster.kill(before.leader);
  else process.kill(pid, 'SIGSTOP');
  let after: Awaited<ReturnType<typeof waitForLeaderAgreement>>;
  let firstWriteMs: number;
  try {
    after = await waitForLeaderAgreement(cluster, survivors, {
      timeoutMs: RECOVERY_WAIT_MS,
      intervalMs,
      exclude: before.leader,
      startedAt: killedAt,
    });
    firstWriteMs = await timeFirstWrite(cluster, after.leader, killedAt, intervalMs, `failover/${cluster.system}/${fault}/${kill}`);
  } finally {
    if (fault === 'stop') process.kill(pid, 'SIGCONT');
  }
  if (fault === 'kill') await cluster.restart(before.leader);
  return {
    system: cluster.system,
    fault,
    kill,
    killedMember: before.leader,
    oldTerm: before.term,
    newLeader: after.leader,
    newTerm: after.term,
    leaderMs: after.elapsedMs,
    firstWriteMs,
  };
}

async function timeFirstWrite(
  cluster: BenchCluster,
  leader: number,
  killedAt: number,
  intervalMs: number,
  key: string,
): Promise<number> {
  const { path, body } = cluster.putRequest(key, 'x');
  for (;;) {
    const answer = await requestJson(cluster.clientOrigin(leader), 'POST', path, body, 2000);
    const now = performance.now();
    if (answer !== null) return now - killedAt;
    if (now - killedAt > RECOVERY_WAIT_MS) throw new Error(`${cluster.system}: no write succeeded within ${RECOVERY_WAIT_MS} ms of the kill`);
    await sleep(intervalMs);
  }
}

runMain(main);
