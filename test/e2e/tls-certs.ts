// Certificates for the TLS tests, made at run time with the system's openssl: the CA, member and operator
// pairs come from running docs/node.md's "A TLS cluster from scratch" block verbatim (so the documented
// commands are tested); an expired member pair, a second CA with a member pair, and spare pairs for rotation
// are made beside them. Nothing is checked in.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, tempDir } from '../support/cluster.js';

export interface TestCerts {
  dir: string;
  /** Absolute path of a file in dir. */
  path(name: string): string;
}

/** The shell block between the tls-setup markers of docs/node.md. */
export function documentedSetup(): string {
  const doc = readFileSync(join(REPO, 'docs/node.md'), 'utf8');
  const block = /<!-- tls-setup:begin -->\n```sh\n([\s\S]*?)```\n<!-- tls-setup:end -->/.exec(doc);
  if (block === null) throw new Error('docs/node.md has no tls-setup block');
  return block[1] as string;
}

export function sh(dir: string, script: string, env: Record<string, string> = {}): void {
  execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A member pair (SAN IP 127.0.0.1) signed by `ca`, valid for `days` (0: expired a second from now). */
function memberPair(name: string, ca: string, days: number): string {
  return `
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -subj "/CN=${name}" \\
  -addext "subjectAltName=IP:127.0.0.1" -addext "extendedKeyUsage=serverAuth,clientAuth" \\
  -keyout ${name}-key.pem -out ${name}.csr 2>/dev/null
openssl x509 -req -in ${name}.csr -CA ${ca}.pem -CAkey ${ca}-key.pem -CAcreateserial -days ${days} \\
  -copy_extensions copy -out ${name}.pem 2>/dev/null
`;
}

/**
 * Members 1..`members` on 127.0.0.1 plus `operator` from the documented block; unless `extras` is false,
 * also `expired` (CN expired) from the same CA, `other-ca` and `rogue` (a member pair from other-ca), and
 * `node1-next` (a second pair for node 1, for rotation).
 */
export function makeCerts(members: number, options: { extras?: boolean } = {}): TestCerts {
  const dir = tempDir('tls');
  const list = Array.from({ length: members }, (_, i) => `${i + 1}:127.0.0.1`).join(' ');
  sh(dir, documentedSetup(), { MEMBERS: list });
  const certs: TestCerts = { dir, path: (name) => join(dir, name) };
  if (options.extras === false) return certs;
  sh(
    dir,
    `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc -days 365 -subj /CN=other-ca \\
       -keyout other-ca-key.pem -out other-ca.pem 2>/dev/null
     ${memberPair('rogue', 'other-ca', 365)}
     ${memberPair('expired', 'ca', 0)}
     ${memberPair('node1-next', 'ca', 365)}`,
  );
  // -days 0 ends the validity at the second it was made: wait that second out.
  execFileSync('sleep', ['1.1']);
  return certs;
}
