// How a test cluster's members and its operator talk: plain HTTP, or mutual TLS between members (each with
// its own nodeN pair from the documented openssl block, client and peer CA the cluster's CA) and operators
// on https:// presenting the operator pair. The partition, chaos and add-voter tests run once over each.
import { readFileSync } from 'node:fs';
import { removeDir } from '../support/cluster.js';
import { NodeApi } from './node-harness.js';
import { makeCerts, type TestCerts } from './tls-certs.js';

export interface Wire {
  readonly name: 'plain HTTP' | 'mutual TLS';
  /** `addr` (HOST:PORT) as written in --listen, --peers, --endpoints and add-voter ID@ADDR. */
  url(addr: string): string;
  /** The bootstrap flags that give member `id` its TLS (none on plain HTTP). */
  memberFlags(id: number): string[];
  /** The operator's flags for every chronik client command (none on plain HTTP). */
  readonly operatorFlags: string[];
  /** The same as the environment (CHRONIK_CACERT, CHRONIK_CERT, CHRONIK_KEY), as runbook scripts take them. */
  readonly operatorEnv: Record<string, string>;
  /** The test's own client of the members' HTTP API. */
  readonly api: NodeApi;
  /** Where the certificates are (undefined on plain HTTP). */
  readonly certs: TestCerts | undefined;
  close(): Promise<void>;
}

export type WireKind = 'plain' | 'tls';

/** Both kinds, for describe.each. */
export const WIRES: WireKind[] = ['plain', 'tls'];

/** The wire of `kind`; TLS makes certificates for members 1..`members` (openssl, at run time). */
export function makeWire(kind: WireKind, members: number): Wire {
  if (kind === 'plain') {
    const api = new NodeApi();
    return { name: 'plain HTTP', url: (addr) => addr, memberFlags: () => [], operatorFlags: [], operatorEnv: {}, api, certs: undefined, close: () => api.close() };
  }
  const certs = makeCerts(members, { extras: false });
  const ca = certs.path('ca.pem');
  const api = new NodeApi({ ca: readFileSync(ca), cert: readFileSync(certs.path('operator.pem')), key: readFileSync(certs.path('operator-key.pem')) });
  return {
    name: 'mutual TLS',
    url: (addr) => `https://${addr}`,
    memberFlags: (id) => ['--cert-file', certs.path(`node${id}.pem`), '--key-file', certs.path(`node${id}-key.pem`), '--client-ca-file', ca, '--peer-ca-file', ca],
    operatorFlags: ['--cacert', ca, '--cert', certs.path('operator.pem'), '--key', certs.path('operator-key.pem')],
    operatorEnv: { CHRONIK_CACERT: ca, CHRONIK_CERT: certs.path('operator.pem'), CHRONIK_KEY: certs.path('operator-key.pem') },
    api,
    certs,
    async close() {
      await api.close();
      removeDir(certs.dir);
    },
  };
}
