// The base of commands that talk to running nodes: builds the admin client from the shared flags,
// closes it however the command ends, and turns client errors into SPEC.md's exit codes.
// The client, its error mapping and config loading are imported when a command runs, so that
// oclif listing every command (no manifest) does not load them.
import type { AdminClient } from '../client/admin-client.js';
import { BaseCommand } from './base-command.js';
import type { Connection, ConnectionFlagValues } from './client-flags.js';

export abstract class ClientCommand extends BaseCommand {
  protected async withClient<T>(
    flags: ConnectionFlagValues & { timeout: string },
    run: (client: AdminClient, connection: Connection, timeoutMs: number) => Promise<T>,
  ): Promise<T> {
    const [{ AdminClient }, { toCliError }, { resolveConnection, resolveTimeout }] = await Promise.all([
      import('../client/admin-client.js'),
      import('../client/errors.js'),
      import('./client-flags.js'),
    ]);
    const timeoutMs = resolveTimeout(flags.timeout);
    const connection = resolveConnection(flags);
    const client = new AdminClient({
      endpoints: connection.endpoints,
      endpointSource: connection.source,
      token: connection.token,
      timeoutMs,
      scheme: connection.scheme,
      ...(connection.tls !== undefined ? { tls: connection.tls } : {}),
    });
    try {
      return await run(client, connection, timeoutMs);
    } catch (err) {
      throw toCliError(err);
    } finally {
      await client.close();
    }
  }
}
