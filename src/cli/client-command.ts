// The base of commands that talk to running nodes: runs their work with an admin client built from
// the shared flags (with-client.ts), closed however the command ends, with SPEC.md's exit codes.
import type { AdminClient } from '../client/admin-client.js';
import { BaseCommand } from './base-command.js';
import type { Connection, ConnectionFlagValues } from './client-flags.js';
import { withClient } from './with-client.js';

export abstract class ClientCommand extends BaseCommand {
  protected async withClient<T>(
    flags: ConnectionFlagValues & { timeout: string },
    run: (client: AdminClient, connection: Connection, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    return withClient(flags, run);
  }
}
