// `chronik status` against a real etcd member that serves clients over TLS and requires client
// certificates: an https:// endpoint, the certificate files from etcdctl's own variables.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/client/cluster-status.js';
import { chronik } from './cli.js';
import { ETCD } from './etcd-cluster.js';
import { TestCluster } from './cluster.js';

const dir = mkdtempSync(join(tmpdir(), 'chronik-etcd-tls-'));
const file = (name: string): string => join(dir, name);
let member: ChildProcess | undefined;
let endpoint = '';

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
function makeCertificates(): void {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'ignore' });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.crt'), '-days', '1', '-subj', '/CN=chronik-test-ca');
  writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  writeFileSync(file('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, ext] of [['server', 'server.ext'], ['client', 'client.ext']] as const) {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.crt`), '-days', '1', '-extfile', file(ext));
  }
}

const withCertificates = { ETCDCTL_CACERT: file('ca.crt'), ETCDCTL_CERT: file('client.crt'), ETCDCTL_KEY: file('client.key') };

beforeAll(async () => {
  makeCertificates();
  const [client, peer] = await TestCluster.ports(2);
  endpoint = `https://127.0.0.1:${client}`;
  member = spawn(ETCD, [
    '--name', 'tls1', '--data-dir', file('data'),
    '--listen-client-urls', endpoint, '--advertise-client-urls', endpoint,
    '--listen-peer-urls', `http://127.0.0.1:${peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${peer}`,
    '--initial-cluster', `tls1=http://127.0.0.1:${peer}`,
    '--cert-file', file('server.crt'), '--key-file', file('server.key'), '--client-cert-auth', '--trusted-ca-file', file('ca.crt'),
  ], { stdio: 'ignore' });
  const deadline = Date.now() + 20_000;
  while ((await chronik(['status', '--kind', 'etcd', '--endpoints', endpoint], { env: withCertificates })).code !== 0) {
    if (Date.now() > deadline) throw new Error(`etcd with TLS did not become healthy on ${endpoint}`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}, 60_000);

afterAll(async () => {
  if (member && member.exitCode === null) await new Promise((resolve) => { member?.once('exit', resolve); member?.kill('SIGKILL'); });
  rmSync(dir, { recursive: true, force: true });
});

describe('status against etcd over TLS with client certificates', () => {
  it('recognises etcd at an https endpoint and reports it healthy, with the certificates from ETCDCTL_*', async () => {
    const result = await chronik(['status', '--endpoints', endpoint, '--json'], { env: withCertificates });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as ClusterReport;
    expect(report).toMatchObject({ kind: 'etcd', healthy: true, problems: [] });
    expect(report.nodes).toMatchObject([{ name: 'tls1', endpoint, reachable: true, role: 'leader' }]);
  }, 30_000);

  it("takes the certificates from chronik's own --cacert, --cert and --key as well", async () => {
    const result = await chronik(['status', '--kind', 'etcd', '--endpoints', endpoint, '--cacert', file('ca.crt'), '--cert', file('client.crt'), '--key', file('client.key'), '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ kind: 'etcd', healthy: true });
  }, 30_000);

  it('fails with exit 1 naming the endpoint when the client certificate is missing', async () => {
    const result = await chronik(['status', '--kind', 'etcd', '--endpoints', endpoint], { env: { ETCDCTL_CACERT: file('ca.crt') } });
    expect(result.code).toBe(1);
    expect(result.stderr.split('\n')[0]).toMatch(new RegExp(`^Error: no endpoint answered: ${endpoint.replace(/[.]/g, '\\.')} \\(.+\\)$`));
  }, 30_000);
});
