// `chronik diagnose PATH...`: reads Raft logs of many dialects and reports what is wrong and what to do.
import { BaseCommand } from '../cli/base-command.js';
import { DIAGNOSE_STRICT, diagnoseArgs, diagnoseFlags } from '../cli/diagnose-flags.js';

export default class Diagnose extends BaseCommand {
  static override summary = "Read a sick cluster's logs and say what is wrong and what to do.";

  static override description = [
    "Reads log files, directories (recursively), .gz files, stdin (-) and chronik data dirs, and pasted excerpts of a few lines. Each line's envelopes are peeled, in any nesting: journald/syslog (with a host and program, no level), docker log-driver tags, docker-compose, kubectl and grep -r prefixes, CSV exports, `journalctl -o json` records, container runtimes' log files (Kubernetes CRI, docker json-file), logrus, klog, zap (JSON and console), hclog (text and JSON), Go's std log, capnslog, TiKV's bracketed layout, tracing, slog, a pager's trailing $, ANSI colours, UTF-16 text. Messages are then recognised by the libraries' own templates (etcd-io/raft and etcd, tikv/raft-rs, hashicorp/raft as Consul, Nomad, Vault, NATS Streaming, rqlite log it, openraft, dragonboat, SwarmKit, SeaweedFS's goraft, chronik's own), whatever envelope carries them; lines with no timestamp are read in their order.",
    'Findings carry stable codes (EMPTY_VOTERS, NO_LEADER, QUORUM_LOST, ...), each explained with what to do in docs/runbooks/<CODE>.md. Human output ends with a per-node timeline (terms, leaders, elections) and, when some lines looked like Raft but matched no known template, how many and a few of them (`unrecognised` in --json).',
    'Exit status: 0 when no finding is at warning or above, 3 when one is, 2 for an unreadable path or a bad flag.',
  ].join('\n\n');

  static override examples = [
    '<%= config.bin %> diagnose /var/log/chronik/',
    '<%= config.bin %> diagnose node1.log node2.log.gz node3.log --json',
    'journalctl -u etcd --since today | <%= config.bin %> diagnose -',
    '<%= config.bin %> diagnose logs/ --since 2h --min-severity warning',
    '<%= config.bin %> diagnose consul.log --since 2026-11-26T04:00:00Z --until 2026-11-26T05:00:00Z',
  ];

  static override strict = DIAGNOSE_STRICT;

  static override args = diagnoseArgs;

  static override flags = diagnoseFlags;

  // Prints its own report rather than returning it: the fast start (src/cli/fast-start.ts) must print
  // the very same document, so the one renderer does both.
  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Diagnose);
    // Loaded here, not at the top, so that listing the commands does not load the analyzer.
    const exitCode = await (await import('../diagnose/worker-start.js')).runDiagnoseCli(argv as string[], flags, this.jsonEnabled());
    if (exitCode !== 0) this.setExitCode(exitCode);
  }
}
