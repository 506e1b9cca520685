// Where TLS settings and the https scheme come from: flags, environment and the cluster YAML, for operators
// (tls:) and nodes (memberTls:), and which combinations are usage errors. Certificates from openssl at run time.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConnection } from '../../src/cli/client-flags.js';
import { parseConfig } from '../../src/shared/config.js';
import { UsageError } from '../../src/shared/errors.js';
import { resolveNodeConfig, type BootstrapFlags } from '../../src/node/node-config.js';
import { makeCerts, type TestCerts } from '../e2e/tls-certs.js';

let certs: TestCerts;
beforeAll(() => {
  certs = makeCerts(1);
});
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const nodeFlags = (extra: Partial<BootstrapFlags> = {}): BootstrapFlags => ({ join: false, insecure: false, 'log-format': 'text', ...extra });

describe('TLS configuration', () => {
  it('parses tls: and memberTls: blocks and https:// node addresses, naming unknown keys and mixed schemes', () => {
    const config = parseConfig(
      'tls: { caFile: ca.pem, certFile: op.pem, keyFile: op-key.pem }\nmemberTls: { certFile: n.pem, keyFile: n-key.pem, peerCaFile: ca.pem }\n' +
        'nodes:\n  - { id: 1, addr: https://10.0.0.1:9192 }\n  - { id: 2, addr: 10.0.0.2:9192 }\n',
    );
    expect(config).toMatchObject({
      scheme: 'https',
      tls: { caFile: 'ca.pem', certFile: 'op.pem', keyFile: 'op-key.pem' },
      memberTls: { certFile: 'n.pem', keyFile: 'n-key.pem', peerCaFile: 'ca.pem' },
      nodes: [{ id: 1, addr: '10.0.0.1:9192' }, { id: 2, addr: '10.0.0.2:9192' }],
    });
    expect(() => parseConfig('tls: { cafile: x }\n')).toThrow(/config:1: unknown key "tls.cafile" \(known keys: caFile, certFile, keyFile\)/);
    expect(() => parseConfig('nodes:\n  - { id: 1, addr: https://a:1 }\n  - { id: 2, addr: http://b:1 }\n')).toThrow(/nodes: the list mixes http:\/\/ and https:\/\//);
  });

  it('takes operator TLS from flags, else the environment, else the YAML, and https from the endpoints', () => {
    const yaml = join(certs.dir, 'cluster.yaml');
    writeFileSync(yaml, `tls: { caFile: ${certs.path('ca.pem')} }\nnodes:\n  - { id: 1, addr: https://127.0.0.1:25401 }\n`);
    const fromYaml = resolveConnection({ config: yaml }, {});
    expect(fromYaml).toMatchObject({ scheme: 'https', endpoints: ['127.0.0.1:25401'] });
    expect(fromYaml.tls?.ca?.toString()).toContain('BEGIN CERTIFICATE');
    const env = { CHRONIK_CACERT: certs.path('other-ca.pem'), CHRONIK_CERT: certs.path('operator.pem'), CHRONIK_KEY: certs.path('operator-key.pem') };
    const fromEnv = resolveConnection({ config: yaml }, env);
    expect(fromEnv.tls?.ca?.toString()).toBe(readPem('other-ca.pem'));
    expect(fromEnv.tls?.cert?.toString()).toBe(readPem('operator.pem'));
    const fromFlags = resolveConnection({ endpoints: 'https://127.0.0.1:1,127.0.0.1:2', cacert: certs.path('ca.pem') }, env);
    expect(fromFlags).toMatchObject({ scheme: 'https', endpoints: ['127.0.0.1:1', '127.0.0.1:2'] });
    expect(fromFlags.tls?.ca?.toString()).toBe(readPem('ca.pem'));
    expect(resolveConnection({ endpoints: '127.0.0.1:1' }, {})).toMatchObject({ scheme: 'http' });
    expect(resolveConnection({}, { CHRONIK_ENDPOINTS: 'https://127.0.0.1:3' })).toMatchObject({ scheme: 'https' });
    expect(() => resolveConnection({ key: certs.path('operator-key.pem') }, {})).toThrow(UsageError);
  });

  it('gives a node its TLS from flags or memberTls:, checks https:// addresses against it, and refuses half a setup', () => {
    const yaml = join(certs.dir, 'member.yaml');
    writeFileSync(
      yaml,
      `memberTls: { certFile: ${certs.path('node1.pem')}, keyFile: ${certs.path('node1-key.pem')}, peerCaFile: ${certs.path('ca.pem')} }\n` +
        'nodes:\n  - { id: 1, addr: https://127.0.0.1:25411 }\n  - { id: 2, addr: https://127.0.0.1:25412 }\n',
    );
    const node = resolveNodeConfig(nodeFlags({ config: yaml }), {});
    expect(node).toMatchObject({ listen: '127.0.0.1:25411', peers: [{ id: 2, addr: '127.0.0.1:25412' }] });
    expect(node.tls?.mutual).toBe(true);
    const viaFlags = resolveNodeConfig(nodeFlags({ 'cert-file': certs.path('node1.pem'), 'key-file': certs.path('node1-key.pem'), peers: '2@https://127.0.0.1:25413' }), {});
    expect(viaFlags).toMatchObject({ peers: [{ id: 2, addr: '127.0.0.1:25413' }] });
    expect(viaFlags.tls?.mutual).toBe(false);
    const plainYaml = join(certs.dir, 'plain.yaml');
    writeFileSync(plainYaml, 'nodes:\n  - { id: 1, addr: https://127.0.0.1:25421 }\n');
    expect(() => resolveNodeConfig(nodeFlags({ config: plainYaml }), {})).toThrow(/nodes names https:\/\/ addresses but this node has no --cert-file/);
    expect(() => resolveNodeConfig(nodeFlags({ ...tlsPair(), peers: '2@http://127.0.0.1:1' }), {})).toThrow(/--peers names http:\/\/ addresses but this node serves TLS/);
    expect(() => resolveNodeConfig(nodeFlags({ ...tlsPair(), 'peer-cert-file': certs.path('node1.pem') }), {})).toThrow(/--peer-cert-file and --peer-key-file go together/);
    expect(() => resolveNodeConfig(nodeFlags({ ...tlsPair(), 'peer-allowed-cn': 'node1' }), {})).toThrow(/--peer-allowed-cn needs --peer-ca-file/);
    expect(() => resolveNodeConfig(nodeFlags({ 'peer-allowed-cn': 'x' }), {})).toThrow(/--peer-allowed-cn needs --cert-file and --key-file/);
  });
});

function tlsPair(): Partial<BootstrapFlags> {
  return { 'cert-file': certs.path('node1.pem'), 'key-file': certs.path('node1-key.pem') };
}

function readPem(name: string): string {
  return readFileSync(certs.path(name), 'utf8');
}
