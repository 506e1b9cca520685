// `chronik recover plan DATA_DIR...`: which survivor to keep after quorum loss, and the commands per host.
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { UsageError } from '../../shared/errors.js';
import type { RecoveryPlan } from '../../shared/recovery.js';

export default class RecoverPlan extends BaseCommand {
  static override summary = 'Plan a recovery from lost quorum: rank the surviving data dirs and print the commands per host.';

  static override description = `Reads the data dir of every surviving member (stopped; chronik's or etcd's), ranks them by last log term, then last index, and prints which one to keep, what may be lost or newly committed, and the exact commands to run on each host.
Refuses (exit 1) when the survivors hold a quorum of the last configuration: then there is nothing to recover, start them.`;

  static override examples = [
    '<%= config.bin %> recover plan /var/lib/chronik/node-1',
    '<%= config.bin %> recover plan ./chronik-data/node-1 ./chronik-data/node-4 --json',
    '<%= config.bin %> recover plan /var/lib/chronik/node-1 --tls',
    '<%= config.bin %> recover plan /var/lib/etcd',
  ];

  static override strict = false;

  static override flags = {
    tls: Flags.boolean({
      description: 'The cluster serves TLS: print https:// addresses and each command\'s TLS flags, with the files named as in docs/node.md (nodeN.pem, ca.pem, operator.pem).',
      default: false,
    }),
  };

  static override args = {
    dataDir: Args.string({ description: 'data dir of a surviving member (give every survivor)', required: true }),
  };

  async run(): Promise<RecoveryPlan> {
    const { argv, flags } = await this.parse(RecoverPlan);
    const dirs = argv as string[];
    const { isEtcdDataDir } = await import('../../client/attach/etcd-datadir.js');
    const etcd = dirs.filter((dir) => isEtcdDataDir(dir));
    if (etcd.length > 0 && etcd.length < dirs.length) throw new UsageError('give either chronik data dirs or etcd data dirs, not both');
    let plan: RecoveryPlan;
    if (etcd.length > 0) {
      if (flags.tls) throw new UsageError('--tls is for chronik data dirs', "give etcd's own TLS flags to the etcdctl and etcd commands the plan prints");
      const { planEtcdRecovery, readEtcdSurvivors } = await import('../../client/attach/etcd-recover.js');
      plan = planEtcdRecovery(readEtcdSurvivors(dirs));
    } else {
      const { planRecovery, readSurvivors } = await import('../../node/recover.js');
      plan = planRecovery(readSurvivors(dirs), flags.tls);
    }
    if (!this.jsonEnabled()) process.stdout.write(`${(await import('../../cli/recover-view.js')).renderPlan(plan)}\n`);
    return plan;
  }
}
