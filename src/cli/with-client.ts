// Runs a piece of work with an admin client built from the shared connection flags, closes the client
// however the work ends, and turns client errors into SPEC.md's exit codes. The client, its error
// mapping and config loading are imported when a command runs, so that listing commands does not load them.
import type { AdminClient } from '../client/admin-client.js';
import type { Connection, ConnectionFlagValues } from './client-flags.js';

export async function withClient<T>(
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
