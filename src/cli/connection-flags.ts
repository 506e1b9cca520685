// The flag definitions shared by commands that talk to running nodes. Kept apart from their
// resolution (client-flags.ts) so that oclif can import every command cheaply, and with oclif's flag
// builders alone so that the fast start (fast-start.ts) parses with them too.
import * as Flags from '@oclif/core/flags';
import { DEFAULT_ENDPOINT } from './defaults.js';

export const connectionFlags = {
  endpoints: Flags.string({
    description: `Nodes to contact, comma-separated; one reachable member is enough. Default: --config's nodes, else CHRONIK_ENDPOINTS, else ${DEFAULT_ENDPOINT}.`,
    helpValue: '[https://]HOST:PORT[,...]',
  }),
  config: Flags.string({ description: 'Cluster YAML file; its nodes are the endpoints and its tokenFile the token.', helpValue: 'FILE' }),
  'token-file': Flags.string({ description: 'File holding the cluster token (else env CHRONIK_TOKEN). Never printed.', helpValue: 'FILE' }),
  cacert: Flags.string({ description: 'Trust https:// endpoints whose certificate chains to this CA (else env CHRONIK_CACERT, the config\'s tls.caFile, the system\'s CAs).', helpValue: 'FILE' }),
  cert: Flags.string({ description: 'Client certificate for nodes that require one (else env CHRONIK_CERT, tls.certFile).', helpValue: 'FILE' }),
  key: Flags.string({ description: 'Key of --cert (else env CHRONIK_KEY, tls.keyFile).', helpValue: 'FILE' }),
};

/** --timeout with a per-command default; the value is a duration with a unit. */
export function timeoutFlag(defaultValue: string, description: string) {
  return Flags.string({ description: `${description} (with a unit: 500ms, 5s, 2m).`, default: defaultValue, helpValue: 'DURATION' });
}
