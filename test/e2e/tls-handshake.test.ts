// Single TLS nodes against operators and would-be members: who gets through the handshake and /raft/,
// what a plain-HTTP client, a wrong CA and expired certificates get, a member dialling a peer whose
// certificate is not for the address dialled or not the allowed name, the token rule on a non-loopback
// listener with TLS, and the usage errors of bad TLS input.
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chronik } from './cli.js';
import { killAll, removeDir, spawnChronik, tempDir, type NodeProcess } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { eventually, http } from './node-harness.js';
import { makeCerts, type TestCerts } from './tls-certs.js';
import { handshakeError, httpsCall } from './tls-harness.js';

const root = tempDir('tls-handshake');
let certs: TestCerts;

beforeAll(() => {
  certs = makeCerts(2);
});

afterAll(async () => {
  await killAll();
  removeDir(root);
  removeDir(certs.dir);
});

async function tlsNode(name: string, pair: string, extra: string[]): Promise<string> {
  const addr = `127.0.0.1:${await freePort('e2e')}`;
  const node = spawnChronik([
    'bootstrap', '--listen', addr, '--data-dir', join(root, name), '--tick', '50ms',
    '--cert-file', certs.path(`${pair}.pem`), '--key-file', certs.path(`${pair}-key.pem`), ...extra,
  ]);
  await node.waitForLog(/INFO {2}became leader node=1/);
  return addr;
}

describe('TLS on one node', { timeout: 60_000 }, () => {
  it('requires client certificates from its CAs, keeps /raft/ for members, refuses plain HTTP, wrong CAs and expired certificates', async () => {
    const ca = certs.path('ca.pem');
    // Client CA and peer CA; the only allowed member name is node1, so the operator's certificate is no member's.
    const addr = await tlsNode('strict', 'node1', ['--client-ca-file', ca, '--peer-ca-file', ca, '--peer-allowed-cn', 'node1']);

    // The log line comes from the core; /v1/status from the Ready the node has handled, a write later.
    const ok = await eventually(async () => {
      const answer = await httpsCall(certs, addr, 'GET', '/v1/status', { ca: 'ca', pair: 'operator' });
      return answer.body.role === 'leader' ? answer : undefined;
    }, 10_000, 'status to say leader');
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ id: 1, role: 'leader' });

    // No client certificate, one from another CA, an expired one: refused in the handshake.
    const refusals = await Promise.all([
      handshakeError(httpsCall(certs, addr, 'GET', '/health', { ca: 'ca' })),
      handshakeError(httpsCall(certs, addr, 'GET', '/health', { ca: 'ca', pair: 'rogue' })),
      handshakeError(httpsCall(certs, addr, 'GET', '/health', { ca: 'ca', pair: 'expired' })),
    ]);
    for (const code of refusals) expect(code).toMatch(/ECONNRESET|ERR_SSL_TLSV1[3]?_ALERT|EPIPE/);
    // The client side: a node whose certificate does not chain to the CA it trusts.
    expect(await handshakeError(httpsCall(certs, addr, 'GET', '/health', { ca: 'other-ca', pair: 'operator' }))).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);

    // The operator's certificate chains to the peer CA but is not node1: no member traffic.
    const notPeer = await httpsCall(certs, addr, 'POST', '/raft/snapshot', { ca: 'ca', pair: 'operator' });
    expect(notPeer.status).toBe(403);
    expect(notPeer.body).toMatchObject({ code: 'FORBIDDEN', error: expect.stringContaining('not node1') });
    const member = await httpsCall(certs, addr, 'POST', '/raft/snapshot', { ca: 'ca', pair: 'node1' });
    expect(member.status).toBe(400); // past the peer check, refused for its missing headers

    // Plain HTTP on the TLS port: a clear 400, not a reset or a hang.
    const plain = await http(addr, 'GET', '/health');
    expect(plain.status).toBe(400);
    expect(plain.body).toEqual({ error: 'this node serves HTTPS: use an https:// endpoint', code: 'TLS_REQUIRED' });

    // The operator's commands, with etcdctl's flags and with the environment.
    const flags = ['--endpoints', `https://${addr}`, '--cacert', ca, '--cert', certs.path('operator.pem'), '--key', certs.path('operator-key.pem')];
    const put = await chronik(['propose', 'k', 'v', '--json', ...flags]);
    expect(put.code, put.stderr).toBe(0);
    const env = { CHRONIK_CACERT: ca, CHRONIK_CERT: certs.path('operator.pem'), CHRONIK_KEY: certs.path('operator-key.pem') };
    const got = await chronik(['get', 'k', '--json', '--endpoints', `https://${addr}`], { env });
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ key: 'k', value: 'v' });
    const plainCli = await chronik(['status', '--endpoints', addr, '--timeout', '2s']);
    expect(plainCli.code).toBe(1);
    expect(plainCli.stderr).toContain('this node serves HTTPS: use an https:// endpoint');
    const wrongCa = await chronik(['status', '--endpoints', `https://${addr}`, '--cacert', certs.path('other-ca.pem'), '--timeout', '2s']);
    expect(wrongCa.code).toBe(1);
    expect(wrongCa.stderr).toMatch(/TLS: the node's certificate is not trusted/);
  });

  it('with only a peer CA: operators need no certificate, /raft/ does; a node with an expired certificate is refused by clients', async () => {
    const addr = await tlsNode('peer-only', 'node1', ['--peer-ca-file', certs.path('ca.pem')]);
    expect((await httpsCall(certs, addr, 'GET', '/v1/status', { ca: 'ca' })).status).toBe(200);
    const anonymous = await httpsCall(certs, addr, 'POST', '/raft/snapshot', { ca: 'ca' });
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toMatchObject({ code: 'FORBIDDEN' });
    const rogue = await httpsCall(certs, addr, 'POST', '/raft/snapshot', { ca: 'ca', pair: 'rogue' });
    expect(rogue.status).toBe(403);

    const expiredAddr = await tlsNode('expired', 'expired', []);
    expect(await handshakeError(httpsCall(certs, expiredAddr, 'GET', '/health', { ca: 'ca' }))).toBe('CERT_HAS_EXPIRED');
    const cli = await chronik(['status', '--endpoints', `https://${expiredAddr}`, '--cacert', certs.path('ca.pem'), '--timeout', '2s']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("TLS: the node's certificate has expired");
  });

  it('a member refuses a peer whose certificate does not name the address it dials (SAN), or not the --peer-allowed-cn name', async () => {
    const ca = certs.path('ca.pem');
    const member = (id: number, listen: string, extra: string[]): NodeProcess =>
      spawnChronik([
        'bootstrap', '--node-id', String(id), '--listen', `https://${listen}`, '--data-dir', join(root, `peer-check-${id}-${listen}`), '--tick', '50ms',
        '--cert-file', certs.path(`node${id}.pem`), '--key-file', certs.path(`node${id}-key.pem`), '--peer-ca-file', ca, ...extra,
      ]);
    // Node 2 serves before node 1 dials it, so node 1's first (logged) failure is the certificate, not a refused connection.
    // (Alone, it has no leader: /health answers 503, which is enough here.)
    const serving = (addr: string): Promise<number> =>
      eventually(async () => (await httpsCall(certs, addr, 'GET', '/health', { ca: 'ca', insecure: true })).status, 30_000, `${addr} to serve`);
    // node2's certificate names IP 127.0.0.1 only; served on 127.0.0.2 it is not the member dialled there.
    const [p1, p2, p3, p4] = await Promise.all([1, 2, 3, 4].map(() => freePort('e2e')));
    member(2, `127.0.0.2:${p2}`, ['--peers', `1@https://127.0.0.1:${p1}`]);
    await serving(`127.0.0.2:${p2}`);
    const dialler = member(1, `127.0.0.1:${p1}`, ['--peers', `2@https://127.0.0.2:${p2}`]);
    expect(await dialler.waitForLog(/WARN {2}peer unreachable node=1 .*peer=2/, 20_000)).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/);

    // Both on 127.0.0.1, but node 1 takes only peers named node1: node 2's certificate (CN node2) is refused.
    member(2, `127.0.0.1:${p4}`, ['--peers', `1@https://127.0.0.1:${p3}`]);
    await serving(`127.0.0.1:${p4}`);
    const strict = member(1, `127.0.0.1:${p3}`, ['--peers', `2@https://127.0.0.1:${p4}`, '--peer-allowed-cn', 'node1']);
    expect(await strict.waitForLog(/WARN {2}peer unreachable node=1 .*peer=2/, 20_000)).toMatch(/presented a certificate for node2, not node1/);
  });

  it('a non-loopback listener needs a token (or --insecure) with TLS too: TLS does not replace the token', async () => {
    const port = await freePort('e2e');
    const dataDir = join(root, 'any-interface');
    const node = spawnChronik([
      'bootstrap', '--listen', `https://0.0.0.0:${port}`, '--advertise', `127.0.0.1:${port}`, '--data-dir', dataDir,
      '--cert-file', certs.path('node1.pem'), '--key-file', certs.path('node1-key.pem'), '--client-ca-file', certs.path('ca.pem'),
    ], { CHRONIK_TOKEN: '' });
    expect(await node.exit).toBe(1);
    expect(node.stderr).toMatch(/^Error: refusing to listen on 0\.0\.0\.0:\d+ without a token\n/);
  });

  it('bad TLS input is a usage error (exit 2) on one line', async () => {
    const bad = join(root, 'not-a-cert.pem');
    writeFileSync(bad, 'hello\n');
    const etcdDir = join(root, 'etcd-member');
    mkdirSync(join(etcdDir, 'member', 'wal'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [['status', '--endpoints', 'https://127.0.0.1:1', '--cacert', join(root, 'missing.pem')], /^Error: cannot read --cacert .*missing\.pem: ENOENT$/],
      [['status', '--endpoints', 'https://127.0.0.1:1', '--cacert', bad], /^Error: unusable TLS files|^Error: --cacert .* holds no PEM certificate$/],
      [['status', '--endpoints', 'https://127.0.0.1:1', '--cert', certs.path('operator.pem')], /^Error: --cert needs its pair/],
      [['status', '--endpoints', 'https://127.0.0.1:1', '--cert', certs.path('operator.pem'), '--key', certs.path('rogue-key.pem')], /^Error: unusable TLS files .*key values mismatch/],
      [['status', '--endpoints', 'https://127.0.0.1:1,http://127.0.0.1:2'], /^Error: --endpoints mixes http:\/\/ and https:\/\//],
      [['bootstrap', '--cert-file', certs.path('node1.pem')], /^Error: --cert-file and --key-file go together$/],
      [['bootstrap', '--cert-file', certs.path('node1.pem'), '--key-file', certs.path('rogue-key.pem')], /are not a usable certificate and key/],
      [['bootstrap', '--cert-file', bad, '--key-file', certs.path('node1-key.pem')], /holds no PEM certificate/],
      [['bootstrap', '--peer-ca-file', certs.path('ca.pem')], /^Error: --peer-ca-file needs --cert-file and --key-file$/],
      [['bootstrap', '--peers', '2@https://127.0.0.1:9999'], /^Error: --peers names https:\/\/ addresses but this node has no --cert-file$/],
      [['recover', 'plan', etcdDir, '--tls'], /^Error: --tls is for chronik data dirs$/],
    ];
    for (const [args, pattern] of cases) {
      const result = await chronik(args, { timeoutMs: 20_000 });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      const firstLine = result.stderr.split('\n')[0] ?? '';
      expect(firstLine, args.join(' ')).toMatch(pattern);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
