// `chronik get KEY`: read one key, linearizably (read index at the leader) unless --stale.
import { Args, Flags } from '@oclif/core';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags, timeoutFlag } from '../cli/connection-flags.js';
import { OperationError } from '../shared/errors.js';
import type { KvValue } from '../shared/http-api.js';

export default class Get extends ClientCommand {
  static override summary = 'Read a key from the replicated metadata.';

  static override description = 'Prints the value alone (JSON with --json: key, value and the applied index it was read at). The read is linearizable unless --stale, which lets any member answer from its own state, even without a leader. A missing key exits 1.';

  static override examples = [
    '<%= config.bin %> get brokers/1',
    '<%= config.bin %> get brokers/1 --stale --endpoints 127.0.0.1:9193',
    '<%= config.bin %> get topics/orders --json | jq -r .value',
  ];

  static override args = {
    key: Args.string({ ignoreStdin: true, description: 'The key to read.', required: true }),
  };

  static override flags = {
    ...connectionFlags,
    stale: Flags.boolean({ description: 'Let any member answer from its local state (may be out of date).', default: false }),
    timeout: timeoutFlag('5s', 'How long to wait for a leader and the read'),
  };

  async run(): Promise<KvValue> {
    const { args, flags } = await this.parse(Get);
    const { ApiError } = await import('../client/http.js');
    return this.withClient(flags, async (client) => {
      try {
        const result = await client.get(args.key, flags.stale);
        if (!this.jsonEnabled()) process.stdout.write(`${result.value}\n`);
        return result;
      } catch (err) {
        if (err instanceof ApiError && err.code === 'NOT_FOUND') throw new OperationError(`key "${args.key}" not found`);
        throw err;
      }
    });
  }
}
