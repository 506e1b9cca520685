// `chronik recover apply`: rewrite a stopped node's voter set as committed configuration entries.
import { Flags } from '@oclif/core';
import { parseNodeId } from '../../shared/address.js';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../shared/errors.js';
import type { ApplyResult } from '../../node/recover.js';

export default class RecoverApply extends BaseCommand {
  static override summary = "Rewrite a stopped node's voter set after quorum loss (the step recover plan prints).";

  static override description = `Appends to the node's WAL the configuration changes that leave exactly --voters as voters (removing the lost voters), at a new term and committed, so that started again the node elects itself and the lost members can be added back with add-voter.
Entries never known to be committed on this node commit with them. Refuses without --yes (exit 2) and while a node holds the data dir (exit 1).`;

  static override examples = ['<%= config.bin %> recover apply --data-dir /var/lib/chronik/node-1 --voters 1 --yes'];

  static override flags = {
    'data-dir': Flags.string({ description: "The stopped node's data dir.", helpValue: 'DIR', required: true }),
    voters: Flags.string({ description: 'The voters to keep, comma-separated ids; must include this node.', helpValue: 'ID[,ID...]', required: true }),
    yes: Flags.boolean({ description: 'Confirm: this overrides the cluster\'s agreement on its membership.', default: false }),
  };

  async run(): Promise<ApplyResult> {
    const { flags } = await this.parse(RecoverApply);
    const voters = flags.voters.split(',').map((part) => parseNodeId(part, 'voter id'));
    if (!flags.yes) {
      throw new UsageError('recover apply rewrites the membership of a cluster that lost its quorum; add --yes to confirm', 'run chronik recover plan first: it says which node to keep');
    }
    const { applyRecovery } = await import('../../node/recover.js');
    const result = await applyRecovery(flags['data-dir'], voters);
    if (!this.jsonEnabled()) process.stdout.write(`${(await import('../../cli/recover-view.js')).renderApply(result)}\n`);
    return result;
  }
}
