// `chronik status`: is there a leader, who is it, is everyone keeping up (SPEC.md).
import { Flags } from '@oclif/core';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags } from '../cli/connection-flags.js';
import { parseDuration } from '../shared/duration.js';
import { EXIT_OK, EXIT_UNHEALTHY, UsageError } from '../shared/errors.js';
import type { ClusterReport, ClusterView } from '../client/cluster-status.js';
import { PRODUCT_KINDS, type ProductKind } from '../client/sample.js';
import type { EtcdOfflineReport } from '../client/attach/etcd-datadir.js';
import type { ClientTls } from '../shared/client-tls.js';
import type { OfflineReport } from '../node/offline-status.js';
import type { WaitCondition } from '../cli/status-wait.js';

const DEFAULT_TIMEOUT = '3s';
const DEFAULT_WAIT = '30s';

export default class Status extends ClientCommand {
  static override summary = 'Show whether the cluster has a leader and a quorum, and whether every member keeps up.';

  static override description = `Asks every endpoint (and every member they name) for its view and prints one row per member and a one-line verdict.
Exit 0 when a leader is acknowledged by a quorum of voters, 3 when not (with --strict also when any voter is unreachable or lagging, a node belongs to another cluster ID, or a node refuses the leader's log), 1 when no endpoint answers.
--wait healthy|leader samples until the cluster is healthy (as exit 0 means, --strict included) or a node leads at the newest term, then prints that status and exits 0; at --timeout (default ${DEFAULT_WAIT}) it prints the last status and exits 1.`;

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --endpoints 127.0.0.1:9192,127.0.0.1:9193 --json',
    '<%= config.bin %> status --config cluster.yaml --strict',
    '<%= config.bin %> status --watch --interval 2s',
    '<%= config.bin %> status --watch --timeout 1m --json > samples.jsonl',
    '<%= config.bin %> status --wait healthy --strict --timeout 2m',
    {
      description: 'An etcd cluster through its v3 JSON gateway (recognised without --kind too).',
      command: '<%= config.bin %> status --kind etcd --endpoints 10.0.0.1:2379,https://10.0.0.2:2379',
    },
    {
      description: "Offline: read a stopped node's membership, term and indexes from its data dir.",
      command: '<%= config.bin %> status --data-dir ./chronik-data/node-1',
    },
    {
      description: "The same for a stopped etcd member (its WAL and snapshot, decoded without etcd).",
      command: '<%= config.bin %> status --data-dir /var/lib/etcd --json',
    },
  ];

  static override flags = {
    ...connectionFlags,
    timeout: Flags.string({
      description: `How long to wait for each node's answer (default ${DEFAULT_TIMEOUT}); with --watch, how long to keep watching (default: until interrupted); with --wait, how long to wait (default ${DEFAULT_WAIT}).`,
      helpValue: 'DURATION',
    }),
    strict: Flags.boolean({ description: 'Also exit 3 when any voter is unreachable or lagging, a node answers for another cluster ID, or a node refuses the leader over a committed entry.', default: false }),
    watch: Flags.boolean({ description: 'Keep sampling: redraw on a TTY, else print one JSON line per sample and an event line on each leader or term change.', default: false }),
    interval: Flags.string({ description: 'Time between samples with --watch (default 1s) or --wait (default 250ms).', helpValue: 'DURATION' }),
    wait: Flags.string({
      description: 'Sample until the cluster is healthy (exit 0 of status, --strict applies) or has a leader; exit 1 at --timeout, printing the last status.',
      options: ['healthy', 'leader'],
    }),
    kind: Flags.string({
      description: 'The product at the endpoints; default: recognised from their answers. etcd: v3 JSON gateway, TLS files from ETCDCTL_CACERT/ETCDCTL_CERT/ETCDCTL_KEY.',
      options: [...PRODUCT_KINDS],
    }),
    'data-dir': Flags.string({
      description: "Read a stopped node's state from its data dir (chronik's, or an etcd member's) instead of asking running nodes; exit 3 when its voter set is empty.",
      helpValue: 'DIR',
      exclusive: ['endpoints', 'config', 'watch', 'strict', 'kind'],
    }),
  };

  /** The report (oclif prints it under --json); none for --watch, which streams its own lines. */
  async run(): Promise<ClusterReport | OfflineReport | EtcdOfflineReport | undefined> {
    const { flags } = await this.parse(Status);
    const json = this.jsonEnabled();
    // Checked here rather than with oclif's `exclusive`, whose message does not fit on one line.
    const clash = flags.wait === undefined ? undefined : flags.watch ? '--watch' : flags['data-dir'] !== undefined ? '--data-dir' : undefined;
    if (clash) throw new UsageError(`--wait cannot be combined with ${clash}`);
    if (flags['data-dir'] !== undefined && (await import('../client/attach/etcd-datadir.js')).isEtcdDataDir(flags['data-dir'])) {
      const [{ etcdOfflineStatus }, { renderEtcdOffline }] = await Promise.all([import('../client/attach/etcd-datadir.js'), import('../cli/etcd-offline-view.js')]);
      const report = etcdOfflineStatus(flags['data-dir']);
      if (!json) process.stdout.write(`${renderEtcdOffline(report)}\n`);
      this.setExitCode(report.healthy ? EXIT_OK : EXIT_UNHEALTHY);
      return report;
    }
    if (flags['data-dir'] !== undefined) {
      // Loaded on demand: the storage reader is most of a live status' module graph otherwise.
      const [{ readOfflineStatus }, { renderOfflineStatus }] = await Promise.all([import('../node/offline-status.js'), import('../cli/status-view.js')]);
      const report = readOfflineStatus(flags['data-dir']);
      if (!json) process.stdout.write(`${renderOfflineStatus(report)}\n`);
      this.setExitCode(report.healthy ? EXIT_OK : EXIT_UNHEALTHY);
      return report;
    }
    const interval = parseDuration(flags.interval ?? (flags.wait ? '250ms' : '1s'), '--interval');
    const timeout = flags.timeout ?? (flags.wait ? DEFAULT_WAIT : DEFAULT_TIMEOUT);
    const kind = flags.kind as ProductKind | undefined;
    if (kind !== undefined && kind !== 'chronik') {
      if (flags.wait) throw new UsageError(`--wait is not available with --kind ${kind} yet`, 'run status in a loop, or wait on a chronik cluster');
      const { resolveConnection } = await import('../cli/client-flags.js');
      const connection = resolveConnection(flags);
      if (flags.watch) {
        const { watchStatus } = await import('../cli/status-watch.js');
        const sample = async (budgetMs: number): Promise<ClusterView> => {
          const view = await this.attached(flags, kind, connection, budgetMs);
          if (!view) throw new Error(`no ${kind} answer`);
          return view;
        };
        const options = { intervalMs: interval, sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT), json };
        this.setExitCode(await watchStatus(sample, flags.timeout === undefined ? options : { ...options, limitMs: parseDuration(flags.timeout) }));
        return undefined;
      }
      const view = await this.attached(flags, kind, connection, parseDuration(timeout));
      return view ? this.shown(view, json) : undefined;
    }
    return this.withClient({ ...flags, timeout }, async (client, connection, timeoutMs) => {
      if (flags.wait) {
        const { runStatusWait } = await import('../cli/status-wait.js');
        const until = flags.wait as WaitCondition;
        const waited = await runStatusWait(client, { until, limitMs: timeoutMs, intervalMs: interval, sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT), strict: flags.strict, json });
        this.setExitCode(waited.exitCode);
        return waited.report;
      }
      const { sampleOnce, watchStatus } = await import('../cli/status-watch.js');
      if (flags.watch) {
        const exitCode = await watchStatus((budgetMs) => sampleOnce(client, budgetMs, flags.strict), {
          intervalMs: interval,
          limitMs: flags.timeout === undefined ? undefined : timeoutMs,
          sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT),
          json,
        });
        this.setExitCode(exitCode);
        return undefined;
      }
      let view: ClusterView;
      try {
        view = await sampleOnce(client, timeoutMs, flags.strict);
      } catch (err) {
        // No chronik node answered: the endpoints may be another product's (etcd, ...).
        const attached = kind === undefined ? await this.attached(flags, undefined, connection, timeoutMs).catch(() => undefined) : undefined;
        if (!attached) throw err;
        view = attached;
      }
      return this.shown(view, json);
    });
  }

  private async attached(flags: { endpoints?: string; strict: boolean }, kind: ProductKind | undefined, connection: { endpoints: string[]; source: string; tls?: ClientTls }, timeoutMs: number): Promise<ClusterView | undefined> {
    const { attachedStatus, parseProductEndpoints } = await import('../client/attach/index.js');
    const endpoints = flags.endpoints !== undefined ? parseProductEndpoints(flags.endpoints) : connection.source === 'default' ? [] : connection.endpoints;
    return attachedStatus({ kind, endpoints, endpointSource: connection.source, timeoutMs, strict: flags.strict, ...(connection.tls ? { tlsMaterial: connection.tls } : {}) });
  }

  /** Renders the view unless --json, sets the exit code, and returns the report for oclif's --json. */
  private async shown(view: ClusterView, json: boolean): Promise<ClusterReport> {
    if (!json) process.stdout.write(`${(await import('../cli/status-view.js')).renderStatus(view)}\n`);
    this.setExitCode(view.report.healthy ? EXIT_OK : EXIT_UNHEALTHY);
    return view.report;
  }
}
