// What `chronik status` does once its flags are parsed: the oclif command (commands/status.ts) and the
// fast start (fast-start.ts) both call runStatus, so they print the same thing and exit the same way.
import type { ClusterReport, ClusterView } from '../client/cluster-status.js';
import type { EtcdOfflineReport } from '../client/attach/etcd-datadir.js';
import type { ProductKind } from '../client/sample.js';
import type { OfflineReport } from '../node/offline-status.js';
import type { ClientTls } from '../shared/client-tls.js';
import { parseDuration } from '../shared/duration.js';
import { EXIT_OK, EXIT_UNHEALTHY, UsageError } from '../shared/errors.js';
import type { WaitCondition } from './status-wait.js';
import { DEFAULT_TIMEOUT, DEFAULT_WAIT } from './defaults.js';
import type { StatusFlagValues } from './status-flags.js';
import { withClient } from './with-client.js';

export type StatusResult = ClusterReport | OfflineReport | EtcdOfflineReport;

/**
 * Runs status, prints its human output unless json, and sets process.exitCode for the verdict.
 * Returns the report for the caller to print under --json; none for --watch, which streams its own lines.
 */
export async function runStatus(flags: StatusFlagValues, json: boolean): Promise<StatusResult | undefined> {
  // Checked here rather than with oclif's `exclusive`, whose message does not fit on one line.
  const clash = flags.wait === undefined ? undefined : flags.watch ? '--watch' : flags['data-dir'] !== undefined ? '--data-dir' : undefined;
  if (clash) throw new UsageError(`--wait cannot be combined with ${clash}`);
  if (flags['data-dir'] !== undefined && (await import('../client/attach/etcd-datadir.js')).isEtcdDataDir(flags['data-dir'])) {
    const [{ etcdOfflineStatus }, { renderEtcdOffline }] = await Promise.all([import('../client/attach/etcd-datadir.js'), import('./etcd-offline-view.js')]);
    const report = etcdOfflineStatus(flags['data-dir']);
    if (!json) process.stdout.write(`${renderEtcdOffline(report)}\n`);
    process.exitCode = report.healthy ? EXIT_OK : EXIT_UNHEALTHY;
    return report;
  }
  if (flags['data-dir'] !== undefined) {
    // Loaded on demand: the storage reader is most of a live status' module graph otherwise.
    const [{ readOfflineStatus }, { renderOfflineStatus }] = await Promise.all([import('../node/offline-status.js'), import('./status-view.js')]);
    const report = readOfflineStatus(flags['data-dir']);
    if (!json) process.stdout.write(`${renderOfflineStatus(report)}\n`);
    process.exitCode = report.healthy ? EXIT_OK : EXIT_UNHEALTHY;
    return report;
  }
  const interval = parseDuration(flags.interval ?? (flags.wait ? '250ms' : '1s'), '--interval');
  const timeout = flags.timeout ?? (flags.wait ? DEFAULT_WAIT : DEFAULT_TIMEOUT);
  const kind = flags.kind as ProductKind | undefined;
  if (kind !== undefined && kind !== 'chronik') {
    if (flags.wait) throw new UsageError(`--wait is not available with --kind ${kind} yet`, 'run status in a loop, or wait on a chronik cluster');
    const { resolveConnection } = await import('./client-flags.js');
    const connection = resolveConnection(flags);
    if (flags.watch) {
      const { watchStatus } = await import('./status-watch.js');
      const sample = async (budgetMs: number): Promise<ClusterView> => {
        const view = await attached(flags, kind, connection, budgetMs);
        if (!view) throw new Error(`no ${kind} answer`);
        return view;
      };
      const options = { intervalMs: interval, sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT), json };
      process.exitCode = await watchStatus(sample, flags.timeout === undefined ? options : { ...options, limitMs: parseDuration(flags.timeout) });
      return undefined;
    }
    const view = await attached(flags, kind, connection, parseDuration(timeout));
    return view ? shown(view, json) : undefined;
  }
  return withClient({ ...flags, timeout }, async (client, connection, timeoutMs) => {
    if (flags.wait) {
      const { runStatusWait } = await import('./status-wait.js');
      const until = flags.wait as WaitCondition;
      const waited = await runStatusWait(client, { until, limitMs: timeoutMs, intervalMs: interval, sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT), strict: flags.strict, json });
      process.exitCode = waited.exitCode;
      return waited.report;
    }
    const { sampleOnce, watchStatus } = await import('./status-watch.js');
    if (flags.watch) {
      process.exitCode = await watchStatus((budgetMs) => sampleOnce(client, budgetMs, flags.strict), {
        intervalMs: interval,
        limitMs: flags.timeout === undefined ? undefined : timeoutMs,
        sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT),
        json,
      });
      return undefined;
    }
    let view: ClusterView;
    try {
      view = await sampleOnce(client, timeoutMs, flags.strict);
    } catch (err) {
      // No chronik node answered: the endpoints may be another product's (etcd, ...).
      const other = kind === undefined ? await attached(flags, undefined, connection, timeoutMs).catch(() => undefined) : undefined;
      if (!other) throw err;
      view = other;
    }
    return shown(view, json);
  });
}

async function attached(flags: { endpoints?: string; strict: boolean }, kind: ProductKind | undefined, connection: { endpoints: string[]; source: string; tls?: ClientTls }, timeoutMs: number): Promise<ClusterView | undefined> {
  const { attachedStatus, parseProductEndpoints } = await import('../client/attach/index.js');
  const endpoints = flags.endpoints !== undefined ? parseProductEndpoints(flags.endpoints) : connection.source === 'default' ? [] : connection.endpoints;
  return attachedStatus({ kind, endpoints, endpointSource: connection.source, timeoutMs, strict: flags.strict, ...(connection.tls ? { tlsMaterial: connection.tls } : {}) });
}

/** Renders the view unless json and sets the exit code; returns the report for --json. */
async function shown(view: ClusterView, json: boolean): Promise<ClusterReport> {
  if (!json) process.stdout.write(`${(await import('./status-view.js')).renderStatus(view)}\n`);
  process.exitCode = view.report.healthy ? EXIT_OK : EXIT_UNHEALTHY;
  return view.report;
}
