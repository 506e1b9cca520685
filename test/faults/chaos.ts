// The chaos run: writers propose unique keys and a reader reads them (linearizable GETs) through the HTTP
// API of a real 3-node cluster, while voters, the leader most often, are killed with -9 and restarted with
// the same command line. Afterwards every acknowledged write is read back and the history is checked.
import { killAll } from '../support/cluster.js';
import type { Wire } from '../e2e/wire.js';
import { Cluster } from './cluster.js';
import { checkLinearizable, History, type Violation } from './history.js';

export interface KillRecord {
  victim: number;
  wasLeader: boolean;
  /** From the kill to the first acknowledgement of a write that started after it. */
  recoveryMs: number;
  /** From the restart until the process answered /v1/status (process start, log replay). */
  answersMs: number;
  /** From the restart until the node had applied the leader's commit index. */
  rejoinMs: number;
}

export interface ChaosReport {
  seconds: number;
  /** Plain HTTP or mutual TLS. */
  wire: string;
  kills: KillRecord[];
  writesAttempted: number;
  acknowledged: number;
  /** Writes with an unknown outcome (timeout, node died): allowed to exist or not. */
  indeterminate: number;
  readsChecked: number;
  /** Acknowledged writes missing or wrong in the final linearizable read-back. */
  lost: string[];
  /** Acknowledged writes missing or wrong on some node after every node caught up. */
  divergent: string[];
  /** Acknowledged writes that a follower took (and handed to the leader inside Raft). */
  acknowledgedViaFollower: number;
  /** Acknowledged writes whose answer named the same log index as another's: one was answered for the other's entry. */
  notOwn: string[];
  violations: Violation[];
}

export interface ChaosOptions {
  root: string;
  seconds: number;
  /** Keep going past `seconds` until this many kills (a loaded machine makes each round slower). */
  minKills?: number;
  writers?: number;
  /** Plain HTTP unless given (the TLS run: mutual TLS between members, clients over https). */
  wire?: Wire;
  log?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: limit }, async () => {
    while (next < items.length) await work(items[next++] as T);
  });
  await Promise.all(lanes);
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const history = new History();
  const cluster = await Cluster.start(options.root, 3, [], options.wire);
  const alive = new Set(cluster.ids);
  const kills: KillRecord[] = [];
  let running = true;
  try {
    await cluster.leader(cluster.ids, 90_000); // three processes starting on a loaded machine can be slow
    const liveAddr = (): string => cluster.addr(pick([...alive]));
    let viaFollower = 0;

    const writer = async (w: number): Promise<void> => {
      for (let seq = 0; running; seq++) {
        const key = `w${w}-${seq}`;
        const op = history.beginWrite(key, `${key}:${Math.random().toString(36).slice(2)}`);
        const target = pick([...alive]);
        const answer = await cluster.api.http(cluster.addr(target), 'POST', '/v1/propose?timeout=3s', { key, value: op.value }).catch(() => undefined);
        if (answer?.status === 200) {
          op.ack = history.now();
          op.index = answer.body.index as number;
          if (answer.body.leader !== target) viaFollower++;
        } else await sleep(50);
      }
    };
    const reader = async (): Promise<void> => {
      while (running) {
        const keys = [...history.writes.keys()];
        if (keys.length === 0) {
          await sleep(10);
          continue;
        }
        const key = pick(keys.slice(-50)); // recent keys: the ones whose write may still be racing
        const invoke = history.now();
        const answer = await cluster.api.http(liveAddr(), 'GET', `/v1/kv/${encodeURIComponent(key)}?timeout=3s`).catch(() => undefined);
        const complete = history.now();
        if (answer?.status === 200) history.reads.push({ key, invoke, complete, value: answer.body.value as string });
        else if (answer?.status === 404 && answer.body.code === 'NOT_FOUND') history.reads.push({ key, invoke, complete, value: null });
        else await sleep(20);
      }
    };
    const workers = [...Array.from({ length: options.writers ?? 3 }, (_, w) => writer(w)), reader()];

    const deadline = Date.now() + options.seconds * 1000;
    for (let round = 0; Date.now() < deadline || round < (options.minKills ?? 0); round++) {
      await sleep(500);
      const leader = await waitFor(async () => {
        const views = await Promise.all([...alive].map((id) => cluster.status(id).catch(() => undefined)));
        return views.find((view) => view?.role === 'leader')?.id;
      }, 60_000, 'a leader to kill');
      // Two kills in three hit the leader; the third a follower.
      const victim = round % 3 !== 2 ? leader : pick(cluster.ids.filter((id) => id !== leader));
      const killedAt = history.now();
      alive.delete(victim);
      await cluster.kill(victim);
      await sleep(200 + Math.random() * 800);
      const restartedAt = Date.now();
      cluster.restart(victim);
      const answersMs = await waitFor(async () => ((await cluster.status(victim).catch(() => undefined)) !== undefined ? Date.now() - restartedAt : undefined), 60_000, `node ${victim} to answer`);
      const recoveryMs = await waitFor(() => history.acknowledged().find((op) => op.invoke > killedAt)?.ack, 60_000, 'a write acknowledged after the kill');
      const rejoinMs = await waitFor(async () => {
        const others = await Promise.all(cluster.ids.filter((id) => id !== victim).map((id) => cluster.status(id).catch(() => undefined)));
        const commit = Math.max(...others.map((view) => view?.commitIndex ?? 0));
        const view = await cluster.status(victim).catch(() => undefined);
        return view !== undefined && view.appliedIndex >= commit ? Date.now() : undefined;
      }, 60_000, `node ${victim} to catch up`);
      alive.add(victim);
      const record = { victim, wasLeader: victim === leader, recoveryMs: Math.round(recoveryMs - killedAt), answersMs, rejoinMs: rejoinMs - restartedAt };
      kills.push(record);
      log(`kill ${kills.length}: node ${victim}${record.wasLeader ? ' (leader)' : ''}, writes acknowledged again after ${record.recoveryMs} ms, answering ${record.answersMs} ms and caught up ${record.rejoinMs} ms after restart`);
    }
    running = false;
    await Promise.all(workers);

    // Every acknowledged write reads back (linearizable GET through the leader); indeterminate ones are read too,
    // which adds their outcome to the history.
    const { leader } = await cluster.leader();
    const lost: string[] = [];
    const notOwn: string[] = [];
    await eachLimited([...history.writes.values()], 8, async (op) => {
      const invoke = history.now();
      const answer = await cluster.api.http(cluster.addr(leader), 'GET', `/v1/kv/${encodeURIComponent(op.key)}?timeout=10s`);
      const complete = history.now();
      const value = answer.status === 200 ? (answer.body.value as string) : answer.status === 404 ? null : undefined;
      if (value === undefined) throw new Error(`read-back of ${op.key} failed: ${answer.status} ${answer.text}`);
      history.reads.push({ key: op.key, invoke, complete, value });
      if (op.ack !== undefined && value !== op.value) lost.push(op.key);
    });

    // Every node converges on the same data: once caught up, each serves every acknowledged write locally.
    const commit = (await cluster.status(leader)).commitIndex;
    await waitFor(async () => ((await Promise.all(cluster.allAddrs().map((addr) => cluster.api.status(addr)))).every((view) => view.appliedIndex >= commit) ? 1 : undefined), 60_000, 'every node to apply the final commit index');
    const divergent = new Set<string>();
    for (const addr of cluster.allAddrs()) {
      await eachLimited(history.acknowledged(), 8, async (op) => {
        const answer = await cluster.api.http(addr, 'GET', `/v1/kv/${encodeURIComponent(op.key)}?stale=true`);
        if (answer.body.value !== op.value) divergent.add(`${op.key}@${addr}`);
      });
    }
    const acknowledged = history.acknowledged().length;
    // One entry per index: two acknowledgements naming one index mean one client was answered for another's write.
    const byIndex = new Map<number, string>();
    for (const op of history.acknowledged()) {
      const other = op.index === undefined ? undefined : byIndex.get(op.index);
      if (other !== undefined) notOwn.push(`${op.key} and ${other} both answered with index ${op.index}`);
      else if (op.index !== undefined) byIndex.set(op.index, op.key);
    }
    return {
      seconds: options.seconds,
      wire: cluster.wire.name,
      kills,
      writesAttempted: history.writes.size,
      acknowledged,
      indeterminate: history.writes.size - acknowledged,
      readsChecked: history.reads.length,
      lost,
      divergent: [...divergent],
      acknowledgedViaFollower: viaFollower,
      notOwn,
      violations: checkLinearizable(history),
    };
  } finally {
    running = false;
    await killAll();
  }
}

/** Polls until `probe` yields a value; throws after `timeoutMs`. */
async function waitFor<T>(probe: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function formatReport(report: ChaosReport): string {
  const leaderKills = report.kills.filter((kill) => kill.wasLeader);
  const recoveries = leaderKills.map((kill) => kill.recoveryMs).sort((a, b) => a - b);
  const rejoins = report.kills.map((kill) => kill.rejoinMs).sort((a, b) => a - b);
  const answers = report.kills.map((kill) => kill.answersMs).sort((a, b) => a - b);
  const median = (values: number[]): string => (values.length === 0 ? '-' : `${values[Math.floor(values.length / 2)]} ms`);
  return [
    `chaos over ${report.wire}: ${report.seconds} s, ${report.kills.length} kills survived (${leaderKills.length} of the leader)`,
    `writes: ${report.writesAttempted} attempted, ${report.acknowledged} acknowledged, ${report.indeterminate} indeterminate`,
    `acknowledged writes checked: ${report.acknowledged} (${report.acknowledgedViaFollower} through a follower), lost: ${report.lost.length}, divergent across nodes: ${report.divergent.length}, answered for another write: ${report.notOwn.length}`,
    `reads in history: ${report.readsChecked}, linearizability violations: ${report.violations.length}`,
    `recovery after a leader kill (first new write acknowledged): median ${median(recoveries)}, max ${recoveries.length ? `${recoveries.at(-1)} ms` : '-'}`,
    `restarted node answering: median ${median(answers)}; caught up: median ${median(rejoins)}, max ${rejoins.length ? `${rejoins.at(-1)} ms` : '-'}`,
    ...report.lost.slice(0, 10).map((key) => `LOST ${key}`),
    ...report.notOwn.slice(0, 10).map((key) => `NOT OWN ${key}`),
    ...report.violations.slice(0, 10).map((v) => `VIOLATION ${v.key}: ${v.problem}`),
  ].join('\n');
}
