// `chronik add-voter ID@HOST:PORT`: learner -> caught up -> voter, rolled back if it cannot finish.
import { Args } from '@oclif/core';
import { parsePeer } from '../shared/address.js';
import { UsageError } from '../shared/errors.js';
import { memberTlsFlags } from '../shared/client-tls.js';
import { schemeOf, withoutSchemes } from '../shared/url-scheme.js';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags, timeoutFlag } from '../cli/connection-flags.js';
import { formatMembers, membershipJson, type MembershipJson } from '../cli/members-view.js';
import { ProgressLine } from '../cli/progress.js';

export default class AddVoter extends ClientCommand {
  static override summary = 'Add a node as a voter safely: as a learner first, promoted once it has caught up.';

  static override description = `Adds the node as a learner, waits until its log has caught up with the leader's, promotes it to voter and waits until that is committed, then prints the voter set.
A node that is already a voter at the same address is left alone (exit 0); the same id at another address is an error. If the node does not answer or does not catch up within --timeout, the learner is removed again and the command exits 1. Only one membership change at a time.`;

  static override examples = [
    {
      description: 'Start the new node so that it waits to be added (on its own machine):',
      command: '<%= config.bin %> bootstrap --node-id 4 --listen 127.0.0.1:9195 --join',
    },
    {
      description: 'Then add it through any member:',
      command: '<%= config.bin %> add-voter 4@127.0.0.1:9195 --endpoints 127.0.0.1:9192',
    },
    '<%= config.bin %> add-voter 4@10.0.0.4:9192 --config cluster.yaml --timeout 5m --json',
  ];

  static override args = {
    member: Args.string({ ignoreStdin: true, description: 'The new voter as ID@[https://]HOST:PORT (the address it listens on).', required: true }),
  };

  static override flags = {
    ...connectionFlags,
    timeout: timeoutFlag('60s', 'How long the whole change may take, catch-up included'),
  };

  async run(): Promise<MembershipJson> {
    const { args, flags } = await this.parse(AddVoter);
    // A scheme on the new member must match the cluster's (the endpoints'): a cluster is all TLS or none.
    const memberScheme = schemeOf(args.member, 'the new member');
    const target = parsePeer(withoutSchemes(args.member));
    const progress = new ProgressLine(!this.jsonEnabled() && process.stderr.isTTY === true);
    const { addVoter } = await import('../client/membership.js');
    return this.withClient(flags, async (client, connection, timeoutMs) => {
      if (memberScheme !== undefined && memberScheme !== connection.scheme) {
        throw new UsageError(`${args.member} says ${memberScheme}:// but the endpoints are ${connection.scheme}://`, 'a cluster is either all TLS or all plain HTTP');
      }
      const startCommand = [
        'chronik bootstrap',
        `--node-id ${target.id}`,
        `--listen ${target.addr}`,
        '--join',
        ...(connection.tokenFile ? [`--token-file ${connection.tokenFile}`] : []),
        // A TLS cluster's new member needs its own certificate (docs/node.md, A TLS cluster from scratch), and
        // demands client certificates as the others do when the operator had to present one.
        ...(connection.scheme === 'https' ? [memberTlsFlags(target.id, connection.tls?.cert !== undefined)] : []),
      ].join(' ');
      const result = await addVoter(client, target, timeoutMs, {
        progress: (text) => (text === '' ? progress.clear() : progress.update(text)),
        notice: (text) => {
          progress.clear();
          process.stderr.write(`${text}\n`);
        },
        startCommand,
      });
      progress.clear();
      if (!this.jsonEnabled()) {
        process.stdout.write(
          `${result.changed ? `node ${target.id} is now a voter` : `node ${target.id} is already a voter at ${target.addr}; nothing changed`}\n` +
            `voters: ${formatMembers(result.voters)}\n` +
            (result.learners.length > 0 ? `learners: ${formatMembers(result.learners)}\n` : ''),
        );
      }
      return membershipJson(result, { id: target.id, addr: target.addr });
    });
  }
}
