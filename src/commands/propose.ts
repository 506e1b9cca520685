// `chronik propose KEY VALUE`: write one key through the leader; returns once committed and applied.
import { readFileSync } from 'node:fs';
import { Args, Flags } from '@oclif/core';
import { ClientCommand } from '../cli/client-command.js';
import { connectionFlags, timeoutFlag } from '../cli/connection-flags.js';
import { UsageError } from '../shared/errors.js';
import type { ProposeResult } from '../shared/http-api.js';

export default class Propose extends ClientCommand {
  static override summary = 'Write a key to the replicated metadata; returns once it is committed and applied.';

  static override description = 'Any member\'s endpoint works: the write goes to the leader. If no leader appears within --timeout the command exits 1, naming the voters and how many answer. An acknowledged write survives the crash of any minority of voters.';

  static override examples = [
    '<%= config.bin %> propose brokers/1 "host=10.0.0.5 port=9092"',
    '<%= config.bin %> propose topics/orders --file orders.json --endpoints 127.0.0.1:9192',
    'echo -n v2 | <%= config.bin %> propose schema/version --file - --json',
  ];

  // ignoreStdin: oclif would otherwise fill a missing VALUE from piped stdin, trimmed, racing a 10 ms timer.
  static override args = {
    key: Args.string({ ignoreStdin: true, description: 'The key (1 byte to 4 KiB).', required: true }),
    value: Args.string({ ignoreStdin: true, description: 'The value (up to 1 MiB); or use --file.', required: false }),
  };

  static override flags = {
    ...connectionFlags,
    file: Flags.string({ char: 'f', description: 'Read the value from FILE, or from stdin with -.', helpValue: 'FILE|-' }),
    timeout: timeoutFlag('5s', 'How long to wait for a leader and the commit'),
  };

  async run(): Promise<ProposeResult> {
    const { args, flags } = await this.parse(Propose);
    if (args.key === '') throw new UsageError('the key is empty');
    if (args.value !== undefined && flags.file !== undefined) throw new UsageError('give the value either as an argument or with --file, not both');
    if (args.value === undefined && flags.file === undefined) throw new UsageError('missing value', 'give it as the second argument, or with --file FILE (--file - for stdin)');
    const value = args.value ?? readValue(flags.file as string);
    return this.withClient(flags, async (client) => {
      const result = await client.propose(args.key, value);
      if (!this.jsonEnabled()) process.stdout.write(`committed ${args.key} at index ${result.index} (term ${result.term}, leader ${result.leader})\n`);
      return result;
    });
  }
}

function readValue(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file === '-' ? 'stdin' : file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}
