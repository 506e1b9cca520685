// `chronik status`: is there a leader, who is it, is everyone keeping up (SPEC.md).
import { Flags } from '@oclif/core';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags } from '../cli/connection-flags.js';
import { parseDuration } from '../shared/duration.js';
import { EXIT_OK, EXIT_UNHEALTHY } from '../shared/errors.js';
import type { ClusterReport } from '../client/cluster-status.js';
import type { OfflineReport } from '../node/offline-status.js';

const DEFAULT_TIMEOUT = '3s';

export default class Status extends ClientCommand {
  static override summary = 'Show whether the cluster has a leader and a quorum, and whether every member keeps up.';

  static override description = `Asks every endpoint (and every member they name) for its view and prints one row per member and a one-line verdict.
Exit 0 when a leader is acknowledged by a quorum of voters, 3 when not (with --strict also when any voter is unreachable or lagging), 1 when no endpoint answers.`;

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --endpoints 127.0.0.1:9192,127.0.0.1:9193 --json',
    '<%= config.bin %> status --config cluster.yaml --strict',
    '<%= config.bin %> status --watch --interval 2s',
    '<%= config.bin %> status --watch --timeout 1m --json > samples.jsonl',
    {
      description: "Offline: read a stopped node's membership, term and indexes from its data dir.",
      command: '<%= config.bin %> status --data-dir ./chronik-data/node-1',
    },
  ];

  static override flags = {
    ...connectionFlags,
    timeout: Flags.string({
      description: `How long to wait for each node's answer (default ${DEFAULT_TIMEOUT}); with --watch, how long to keep watching (default: until interrupted).`,
      helpValue: 'DURATION',
    }),
    strict: Flags.boolean({ description: 'Also exit 3 when any voter is unreachable or lagging.', default: false }),
    watch: Flags.boolean({ description: 'Keep sampling: redraw on a TTY, else print one JSON line per sample and an event line on each leader or term change.', default: false }),
    interval: Flags.string({ description: 'Time between samples with --watch.', default: '1s', helpValue: 'DURATION' }),
    'data-dir': Flags.string({
      description: "Read a stopped node's state from its data dir instead of asking running nodes; exit 3 when its voter set is empty.",
      helpValue: 'DIR',
      exclusive: ['endpoints', 'config', 'watch', 'strict'],
    }),
  };

  /** The report (oclif prints it under --json); none for --watch, which streams its own lines. */
  async run(): Promise<ClusterReport | OfflineReport | undefined> {
    const { flags } = await this.parse(Status);
    const json = this.jsonEnabled();
    if (flags['data-dir'] !== undefined) {
      // Loaded on demand: the storage reader is most of a live status' module graph otherwise.
      const [{ readOfflineStatus }, { renderOfflineStatus }] = await Promise.all([import('../node/offline-status.js'), import('../cli/status-view.js')]);
      const report = readOfflineStatus(flags['data-dir']);
      if (!json) process.stdout.write(`${renderOfflineStatus(report)}\n`);
      this.setExitCode(report.healthy ? EXIT_OK : EXIT_UNHEALTHY);
      return report;
    }
    const interval = parseDuration(flags.interval, '--interval');
    const timeout = flags.timeout ?? DEFAULT_TIMEOUT;
    return this.withClient({ ...flags, timeout }, async (client, _connection, timeoutMs) => {
      const { sampleOnce, watchStatus } = await import('../cli/status-watch.js');
      if (flags.watch) {
        const exitCode = await watchStatus(client, {
          intervalMs: interval,
          limitMs: flags.timeout === undefined ? undefined : timeoutMs,
          sampleBudgetMs: parseDuration(DEFAULT_TIMEOUT),
          strict: flags.strict,
          json,
        });
        this.setExitCode(exitCode);
        return undefined;
      }
      const view = await sampleOnce(client, timeoutMs, flags.strict);
      if (!json) process.stdout.write(`${(await import('../cli/status-view.js')).renderStatus(view)}\n`);
      this.setExitCode(view.report.healthy ? EXIT_OK : EXIT_UNHEALTHY);
      return view.report;
    });
  }
}
