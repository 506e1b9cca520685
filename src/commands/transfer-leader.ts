// `chronik transfer-leader ID`: move leadership to another voter and wait until it leads.
import { Args } from '@oclif/core';
import { parseNodeId } from '../shared/address.js';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags, timeoutFlag } from '../cli/connection-flags.js';

export default class TransferLeader extends ClientCommand {
  static override summary = 'Move leadership to another voter and wait until it leads.';

  static override description = 'Useful before restarting the leader\'s machine. Transferring to the current leader succeeds and changes nothing.';

  static override examples = ['<%= config.bin %> transfer-leader 2 --endpoints 127.0.0.1:9192', '<%= config.bin %> transfer-leader 3 --config cluster.yaml --timeout 10s --json'];

  static override args = {
    id: Args.string({ ignoreStdin: true, description: 'Id of the voter that should lead.', required: true }),
  };

  static override flags = {
    ...connectionFlags,
    timeout: timeoutFlag('10s', 'How long to wait until the new leader leads'),
  };

  async run(): Promise<{ changed: boolean; leader: number; term: number }> {
    const { args, flags } = await this.parse(TransferLeader);
    const id = parseNodeId(args.id);
    const { transferLeader } = await import('../client/membership.js');
    return this.withClient(flags, async (client) => {
      const result = await transferLeader(client, id);
      if (!this.jsonEnabled()) {
        process.stdout.write(result.changed ? `node ${result.leader} leads at term ${result.term}\n` : `node ${id} already leads at term ${result.term}; nothing changed\n`);
      }
      return result;
    });
  }
}
