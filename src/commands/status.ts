// `chronik status`: is there a leader, who is it, is everyone keeping up (SPEC.md). Its flags live in
// cli/status-flags.ts and its work in cli/status-run.ts, which the fast start (cli/fast-start.ts) uses too.
import { BaseCommand } from '../cli/base-command.js';
import { DEFAULT_WAIT } from '../cli/defaults.js';
import { statusFlags } from '../cli/status-flags.js';
import type { StatusResult } from '../cli/status-run.js';

export default class Status extends BaseCommand {
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

  static override flags = statusFlags;

  /** The report (oclif prints it under --json); none for --watch, which streams its own lines. */
  async run(): Promise<StatusResult | undefined> {
    const { flags } = await this.parse(Status);
    const { runStatus } = await import('../cli/status-run.js');
    return runStatus(flags, this.jsonEnabled());
  }
}
