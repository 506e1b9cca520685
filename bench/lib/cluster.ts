// What a benchmark needs from a 3-member cluster of either system, and the leader-agreement wait
// both benchmarks use, so etcd and chronik are started, polled and judged by the same code.
import type { ConnectionOptions } from 'node:tls';
import { Pool } from 'undici';
import { sleep } from './processes.js';

/** chronik-alt is chronik built from another checkout (--alt-root), to measure a change side by side. */
export type SystemName = 'etcd' | 'chronik' | 'chronik-alt' | 'chronik-tls';

/** One member's answer to a status poll; `leader` is a member index (0-based), null when unknown. */
export interface MemberView {
  member: number;
  reachable: boolean;
  leader: number | null;
  term: number;
}

export interface BenchCluster {
  readonly system: SystemName;
  readonly size: number;
  /** Starts every member; resolves once their processes are spawned (not yet once a leader exists). */
  start(): Promise<void>;
  /** Asks each of `members` once, in parallel, who it thinks leads. */
  poll(members: number[], timeoutMs: number): Promise<MemberView[]>;
  /** http://127.0.0.1:PORT of a member's client endpoint. */
  clientOrigin(member: number): string;
  /** The HTTP request that writes key=value (same client code drives both systems). */
  putRequest(key: string, value: string): { path: string; body: string };
  /** The OS pid of a member's process while it runs. */
  pid(member: number): number | undefined;
  kill(member: number): Promise<void>;
  restart(member: number): Promise<void>;
  stop(): Promise<void>;
  /** Prometheus histogram of WAL fsync durations on /metrics, to see how well writes are batched. */
  readonly fsyncMetric: string;
  /** Where the members' logs and data live (kept only with --keep). */
  readonly dir: string;
}

/** TLS options (CA, client pair) for https origins, registered by the cluster that serves them. */
const originTls = new Map<string, ConnectionOptions>();

export function registerOriginTls(origin: string, tls: ConnectionOptions): void {
  originTls.set(origin, tls);
}

/** What an undici Pool to `origin` needs to connect (its TLS options, if it is https). */
export function connectOptions(origin: string): { connect?: ConnectionOptions } {
  const tls = originTls.get(origin);
  return tls === undefined ? {} : { connect: tls };
}

/** One keep-alive pool per origin for status polls, shared across a run. */
const pollPools = new Map<string, Pool>();

export function pollPool(origin: string): Pool {
  let pool = pollPools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 2, keepAliveTimeout: 10_000, ...connectOptions(origin) });
    pollPools.set(origin, pool);
  }
  return pool;
}

export async function closePollPools(): Promise<void> {
  await Promise.all([...pollPools.values()].map((pool) => pool.destroy()));
  pollPools.clear();
}

/** A JSON request that never throws: null on refusal, timeout, non-2xx or bad JSON. */
export async function requestJson(
  origin: string,
  method: 'GET' | 'POST',
  path: string,
  body: string | undefined,
  timeoutMs: number,
): Promise<unknown> {
  try {
    const response = await pollPool(origin).request({
      method,
      path,
      body,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.body.text();
    if (response.statusCode < 200 || response.statusCode >= 300) return null;
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export interface LeaderAgreement {
  leader: number;
  term: number;
  /** ms since the wait began, taken when the deciding poll answered. */
  elapsedMs: number;
}

/**
 * Polls `members` every intervalMs until a majority of the whole cluster names the same leader and
 * that leader is among them (so it has acknowledged itself), with `exclude` never accepted as leader.
 * With requireAll, every member polled must agree (a restarted member has rejoined).
 */
export async function waitForLeaderAgreement(
  cluster: BenchCluster,
  members: number[],
  options: { timeoutMs: number; intervalMs: number; exclude?: number; startedAt?: number; requireAll?: boolean },
): Promise<LeaderAgreement> {
  const startedAt = options.startedAt ?? performance.now();
  const quorum = options.requireAll ? members.length : Math.floor(cluster.size / 2) + 1;
  for (;;) {
    const pollStarted = performance.now();
    const views = await cluster.poll(members, Math.max(50, options.intervalMs * 20));
    const decidedAt = performance.now();
    const agreement = majorityLeader(views, quorum, options.exclude);
    if (agreement) return { ...agreement, elapsedMs: decidedAt - startedAt };
    if (decidedAt - startedAt > options.timeoutMs) {
      throw new Error(
        `${cluster.system}: no leader acknowledged by a quorum within ${options.timeoutMs} ms; last views ${JSON.stringify(views)}`,
      );
    }
    await sleep(Math.max(0, options.intervalMs - (performance.now() - pollStarted)));
  }
}

function majorityLeader(
  views: MemberView[],
  quorum: number,
  exclude: number | undefined,
): { leader: number; term: number } | null {
  const votes = new Map<number, MemberView[]>();
  for (const view of views) {
    if (!view.reachable || view.leader === null || view.leader === exclude) continue;
    votes.set(view.leader, [...(votes.get(view.leader) ?? []), view]);
  }
  for (const [leader, backers] of votes) {
    if (backers.length >= quorum && backers.some((view) => view.member === leader)) {
      return { leader, term: Math.max(...backers.map((view) => view.term)) };
    }
  }
  return null;
}

export interface FsyncCounters {
  count: number;
  sumSeconds: number;
}

/** Reads a member's WAL fsync histogram totals from /metrics; null when unreachable or absent. */
export async function scrapeFsyncCounters(cluster: BenchCluster, member: number): Promise<FsyncCounters | null> {
  try {
    const response = await pollPool(cluster.clientOrigin(member)).request({
      method: 'GET',
      path: '/metrics',
      signal: AbortSignal.timeout(2000),
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) return null;
    const total = (suffix: string): number | null => {
      const name = `${cluster.fsyncMetric}_${suffix}`;
      let sum: number | null = null;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name) || (line[name.length] !== ' ' && line[name.length] !== '{')) continue;
        sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
      }
      return sum;
    };
    const count = total('count');
    const sumSeconds = total('sum');
    return count === null || sumSeconds === null ? null : { count, sumSeconds };
  } catch {
    return null;
  }
}
