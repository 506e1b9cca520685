// `chronik status`'s flags, the one definition: the oclif command (commands/status.ts) declares them
// and the fast start (fast-start.ts) parses with them, so both accept and refuse the same command lines.
import * as Flags from '@oclif/core/flags';
import type { InferredFlags } from '@oclif/core/interfaces';
import { PRODUCT_KINDS } from '../client/sample.js';
import { connectionFlags } from './connection-flags.js';
import { DEFAULT_TIMEOUT, DEFAULT_WAIT } from './defaults.js';

export const statusFlags = {
  ...connectionFlags,
  timeout: Flags.string({
    description: `How long to wait for each node's answer (default ${DEFAULT_TIMEOUT}); with --watch, how long to keep watching (default: until interrupted); with --wait, how long to wait (default ${DEFAULT_WAIT}).`,
    helpValue: 'DURATION',
  }),
  strict: Flags.boolean({ description: 'Also exit 3 when any voter is unreachable or lagging, a node answers for another cluster ID, or a node refuses the leader over a committed entry.', default: false }),
  watch: Flags.boolean({ description: 'Keep sampling: redraw on a TTY, else print one JSON line per sample and an event line on each leader or term change.', default: false }),
  interval: Flags.string({ description: 'Time between samples with --watch (default 1s) or --wait (default 250ms).', helpValue: 'DURATION' }),
  wait: Flags.string({
    description: 'Sample until the cluster is healthy (exit 0 of status, --strict applies) or has a leader; exit 1 at --timeout, printing the last status.',
    options: ['healthy', 'leader'],
  }),
  kind: Flags.string({
    description: 'The product at the endpoints; default: recognised from their answers. etcd: v3 JSON gateway, TLS files from ETCDCTL_CACERT/ETCDCTL_CERT/ETCDCTL_KEY.',
    options: [...PRODUCT_KINDS],
  }),
  'data-dir': Flags.string({
    description: "Read a stopped node's state from its data dir (chronik's, or an etcd member's) instead of asking running nodes; exit 3 when its voter set is empty.",
    helpValue: 'DIR',
    exclusive: ['endpoints', 'config', 'watch', 'strict', 'kind'],
  }),
};

/** The flag values oclif's parser returns for statusFlags. */
export type StatusFlagValues = InferredFlags<typeof statusFlags>;
