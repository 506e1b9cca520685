// `chronik recover plan DATA_DIR...`: which survivor to keep after quorum loss, and the commands per host.
import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';

export default class RecoverPlan extends BaseCommand {
  static override summary = 'Plan a recovery from lost quorum: rank the surviving data dirs and print the commands per host.';

  static override description = `Reads the data dir of every surviving member (stopped), ranks them by last log term, then last index, and prints which one to keep, what may be lost or newly committed, and the exact commands to run on each host.
Refuses (exit 1) when the survivors hold a quorum of the last configuration: then there is nothing to recover, start them.`;

  static override examples = [
    '<%= config.bin %> recover plan /var/lib/chronik/node-1',
    '<%= config.bin %> recover plan ./chronik-data/node-1 ./chronik-data/node-4 --json',
  ];

  static override strict = false;

  static override args = {
    dataDir: Args.string({ description: 'data dir of a surviving member (give every survivor)', required: true }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RecoverPlan);
    const { planRecovery, readSurvivors } = await import('../../node/recover.js');
    const plan = planRecovery(readSurvivors(argv as string[]));
    if (flags.json) this.printJson(plan);
    else process.stdout.write(`${(await import('../../cli/recover-view.js')).renderPlan(plan)}\n`);
  }
}
