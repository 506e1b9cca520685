// The one client program that drives both systems: N closed-loop clients over undici keep-alive pools,
// each sending its next write as soon as the previous one is answered. Clients are dealt round-robin over
// the origins given: one (the leader) or every member (as clients that do not know the leader spread).
import { Pool } from 'undici';
import { percentile } from './stats.js';
import { connectOptions } from './cluster.js';

export interface LoadOptions {
  /** Client i writes to origins[i % origins.length]. */
  origins: string[];
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** The request for a client's seq-th write; must use a key no other write uses. */
  makeRequest: (client: number, seq: number) => { path: string; body: string };
  requestTimeoutMs?: number;
}

export interface LoadResult {
  concurrency: number;
  /** Writes answered 200 within the measured window (after warm-up). */
  ops: number;
  errors: number;
  firstError: string | null;
  windowMs: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface LoadRun {
  result: LoadResult;
  /** Every counted write's latency, ascending; kept out of the JSON, used to pool rounds. */
  sortedLatenciesMs: number[];
}

/** Runs warm-up then the measured window; only answers arriving inside the window count. */
export async function runClosedLoop(options: LoadOptions): Promise<LoadRun> {
  const pools = options.origins.map(
    (origin, i) =>
      new Pool(origin, {
        connections: Math.max(1, Math.ceil((options.concurrency - i) / options.origins.length)),
        pipelining: 1,
        keepAliveTimeout: 60_000,
        ...connectOptions(origin),
      }),
  );
  const startedAt = performance.now();
  const windowStart = startedAt + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const timeoutMs = options.requestTimeoutMs ?? 10_000;

  const client = async (clientIndex: number): Promise<void> => {
    const pool = pools[clientIndex % pools.length] as Pool;
    for (let seq = 0; performance.now() < windowEnd; seq++) {
      const { path, body } = options.makeRequest(clientIndex, seq);
      const sentAt = performance.now();
      let failure: string | null = null;
      try {
        const response = await pool.request({
          method: 'POST',
          path,
          body,
          headers: { 'content-type': 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.body.text();
        if (response.statusCode !== 200) failure = `HTTP ${response.statusCode}: ${text.slice(0, 200)}`;
      } catch (err) {
        failure = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      }
      const answeredAt = performance.now();
      if (answeredAt < windowStart || answeredAt > windowEnd) continue;
      if (failure === null) {
        latencies.push(answeredAt - sentAt);
      } else {
        errors++;
        firstError ??= failure;
        // A failing system answers fast; do not let error loops starve the machine.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, i) => client(i)));
  } finally {
    await Promise.all(pools.map((pool) => pool.destroy()));
  }

  latencies.sort((a, b) => a - b);
  return {
    result: summarize(options.concurrency, latencies, errors, firstError, options.durationMs),
    sortedLatenciesMs: latencies,
  };
}

/** Figures for one run, or for several runs pooled (latencies merged, windows added). */
export function summarize(
  concurrency: number,
  sortedLatenciesMs: number[],
  errors: number,
  firstError: string | null,
  windowMs: number,
): LoadResult {
  const sum = sortedLatenciesMs.reduce((acc, value) => acc + value, 0);
  return {
    concurrency,
    ops: sortedLatenciesMs.length,
    errors,
    firstError,
    windowMs,
    opsPerSec: (sortedLatenciesMs.length * 1000) / windowMs,
    p50Ms: percentile(sortedLatenciesMs, 0.5),
    p99Ms: percentile(sortedLatenciesMs, 0.99),
    maxMs: sortedLatenciesMs.at(-1) ?? Number.NaN,
    meanMs: sortedLatenciesMs.length > 0 ? sum / sortedLatenciesMs.length : Number.NaN,
  };
}
