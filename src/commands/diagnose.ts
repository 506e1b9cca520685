// `chronik diagnose PATH...`: reads Raft logs of many dialects and reports what is wrong and what to do.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import type { Severity } from '../diagnose/model.js';

export default class Diagnose extends BaseCommand {
  static override summary = "Read a sick cluster's logs and say what is wrong and what to do.";

  static override description = [
    "Reads log files, directories (recursively), .gz files, stdin (-) and chronik data dirs. Each file's dialect is detected from its first lines: chronik (text, JSON), raft-rs / TiKV (text, JSON), Rust tracing output of servers embedding raft-rs, etcd 3.4+ (zap JSON, or zap's console encoding as etcd 3.6 --log-format=console writes it) and older etcd (capnslog), and hashicorp/raft as Consul, Nomad and Vault log it (text and JSON). Journald, syslog, docker-compose and kubectl prefixes, `journalctl -o json` exports, container runtimes' log files (Kubernetes /var/log/pods CRI files, docker json-file records) ANSI colours, and text saved as UTF-16 (with its byte-order mark) are handled.",
    'Findings carry stable codes (EMPTY_VOTERS, NO_LEADER, QUORUM_LOST, ...), each explained with what to do in docs/runbooks/<CODE>.md. Human output ends with a per-node timeline (terms, leaders, elections).',
    'Exit status: 0 when no finding is at warning or above, 3 when one is, 2 for an unreadable path or a bad flag.',
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> diagnose /var/log/chronik/',
    '<%= config.bin %> diagnose node1.log node2.log.gz node3.log --json',
    'journalctl -u etcd --since today | <%= config.bin %> diagnose -',
    '<%= config.bin %> diagnose logs/ --since 2h --min-severity warning',
    '<%= config.bin %> diagnose consul.log --since 2026-11-26T04:00:00Z --until 2026-11-26T05:00:00Z',
  ];

  static override strict = false;

  static override args = {
    path: Args.string({ description: 'log file, directory, .gz file, chronik data dir, or - for stdin', required: true }),
  };

  static override flags = {
    since: Flags.string({ description: 'ignore lines before this time: ISO time, or a duration meaning "ago" (2h, 30m)' }),
    until: Flags.string({ description: 'ignore lines after this time: ISO time, or a duration meaning "ago"' }),
    'min-severity': Flags.string({ description: 'hide findings below this severity (exit code is unaffected)', options: ['info', 'warning', 'critical'], default: 'info' }),
  };

  // Prints its own report rather than returning it: the oclif-free start (src/diagnose/fast-cli.ts) must
  // print the very same document, so the one renderer does both.
  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Diagnose);
    // The analyzer is loaded here, not at the top: oclif imports every command to list them.
    const { runDiagnose } = await import('../diagnose/command.js');
    const exitCode = await runDiagnose(argv as string[], { json: this.jsonEnabled(), since: flags.since, until: flags.until, minSeverity: flags['min-severity'] as Severity });
    if (exitCode !== 0) this.setExitCode(exitCode);
  }
}
