// `chronik bootstrap`: run a Raft node in the foreground, creating its cluster membership if the data dir is new.
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';

export default class Bootstrap extends BaseCommand {
  static override summary = 'Run a Raft node, creating its cluster membership if new';
  static override description =
    'Runs in the foreground until SIGINT/SIGTERM. A fresh data dir gets this node plus --peers as its initial voters; ' +
    'an existing one is resumed (--peers is then only checked). The same command line is safe to re-run after a crash. ' +
    'Logs go to stderr (or --log-file); with --json, stdout gets one document once the node serves: its status, as GET /v1/status answers it.';

  static override examples = [
    '<%= config.bin %> bootstrap',
    '<%= config.bin %> bootstrap --node-id 1 --listen 10.0.0.1:9192 --peers 2@10.0.0.2:9192,3@10.0.0.3:9192 --token-file /etc/chronik/token',
    '<%= config.bin %> bootstrap --config cluster.yaml --node-id 2',
    '<%= config.bin %> bootstrap --node-id 4 --listen 127.0.0.1:9195 --join',
  ];

  static override flags = {
    'node-id': Flags.string({ description: 'This node\'s id (a positive integer).', default: '1' }),
    listen: Flags.string({ description: 'HOST:PORT to serve peers and operators on. [default: 127.0.0.1:9192]' }),
    advertise: Flags.string({ description: 'HOST:PORT others reach this node at. [default: --listen]' }),
    peers: Flags.string({ description: 'The other initial voters: ID@HOST:PORT,... (empty: a single-node cluster).' }),
    join: Flags.boolean({ description: 'Start without membership and wait until a leader adds this node.', default: false }),
    'data-dir': Flags.string({ description: 'Where the log and state live. [default: ./chronik-data/node-<id>]' }),
    config: Flags.string({ description: 'Cluster YAML file: address, peers and timing come from it.' }),
    tick: Flags.string({ description: 'Length of one tick. [default: 100ms]' }),
    'election-ticks': Flags.integer({ description: 'Ticks without a leader before an election. [default: 10]', min: 2 }),
    'heartbeat-ticks': Flags.integer({ description: 'Ticks between leader heartbeats. [default: 3]', min: 1 }),
    'log-format': Flags.string({ description: 'Log line format.', options: ['text', 'json'], default: 'text' }),
    'log-file': Flags.string({ description: 'Append logs to this file instead of stderr.' }),
    'token-file': Flags.string({ description: 'File holding the bearer token (else env CHRONIK_TOKEN).' }),
    'cluster-token': Flags.string({
      description:
        'Part of the cluster ID this bootstrap makes (the same on every member): keeps apart clusters with the same name and members. Never logged.',
    }),
    insecure: Flags.boolean({ description: 'Allow a non-loopback --listen without a token.', default: false }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Bootstrap);
    // The node runtime is loaded here, not at the top: oclif imports every command to list them.
    const [{ resolveNodeConfig }, { startNode }] = await Promise.all([import('../node/node-config.js'), import('../node/runtime.js')]);
    const node = await startNode(resolveNodeConfig(flags));
    // A supervisor or script can wait for this line to know the node serves, and read where and as whom.
    // Written now, as one line, not returned: the command returns only when the node stops.
    if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(node.status())}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    await node.stop(signal);
    // Idle keep-alive sockets of forwarded requests must not hold the process after a clean stop.
    setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  }
}
