// `chronik remove-voter ID`: one membership change that removes a voter (or learner).
import { Args } from '@oclif/core';
import { parseNodeId } from '../shared/address.js';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags, timeoutFlag } from '../cli/connection-flags.js';
import { formatMembers, membershipJson, type MembershipJson } from '../cli/members-view.js';

export default class RemoveVoter extends ClientCommand {
  static override summary = 'Remove a voter (or learner) from the cluster.';

  static override description = `Refuses to remove the last voter, and while another membership change is in flight. Warns when the remaining voter count is even or cannot tolerate a failure. Removing the leader is allowed: it steps down and the others elect a new one.`;

  static override examples = [
    '<%= config.bin %> remove-voter 3 --endpoints 127.0.0.1:9192',
    '<%= config.bin %> remove-voter 3 --config cluster.yaml --json',
  ];

  static override args = {
    id: Args.string({ ignoreStdin: true, description: 'Id of the member to remove.', required: true }),
  };

  static override flags = {
    ...connectionFlags,
    timeout: timeoutFlag('10s', 'How long to wait for the change to commit'),
  };

  async run(): Promise<MembershipJson> {
    const { args, flags } = await this.parse(RemoveVoter);
    const id = parseNodeId(args.id);
    const [{ removeVoter }, { paint }] = await Promise.all([import('../client/membership.js'), import('../cli/render.js')]);
    return this.withClient(flags, async (client) => {
      const result = await removeVoter(client, id);
      for (const warning of result.warnings) process.stderr.write(`${paint(`Warning: ${warning}`, 'warn')}\n`);
      if (!this.jsonEnabled()) {
        process.stdout.write(`node ${id} removed\nvoters: ${formatMembers(result.voters)}\n${result.learners.length > 0 ? `learners: ${formatMembers(result.learners)}\n` : ''}`);
      }
      return membershipJson(result, { id, warnings: result.warnings });
    });
  }
}
