// A 3-node chronik cluster on loopback, started with `chronik bootstrap` from this checkout's
// build (bin/run.js over dist/), tick 100 ms x 10 election ticks, written to with POST /v1/propose.
import { join } from 'node:path';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { makeCerts, type TestCerts } from '../../test/e2e/tls-certs.js';
import { fileURLToPath } from 'node:url';
import { bootstrapArgs } from '../../test/support/cluster.js';
import { freePorts } from '../../test/support/ports.js';
import { makeTempDir, MemberProcesses } from './processes.js';
import { registerOriginTls, requestJson, type BenchCluster, type MemberView } from './cluster.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface ChronikStatus {
  id?: number;
  role?: string;
  term?: number;
  leader?: number | null;
}

export interface ChronikOptions {
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', DIR] for profiling. */
  nodeFlags?: string[];
  /** A built chronik checkout other than this one; the cluster is then reported as chronik-alt. */
  altRoot?: string;
  /** Every member serves HTTPS with client certificates and mutual TLS between members (chronik-tls). */
  tls?: boolean;
}

export class ChronikCluster implements BenchCluster {
  readonly system: 'chronik' | 'chronik-alt' | 'chronik-tls';
  /** Certificates made with docs/node.md's openssl commands when options.tls is set. */
  private certs: TestCerts | undefined;
  private readonly root: string;
  readonly fsyncMetric = 'chronik_wal_fsync_duration_seconds';
  readonly dir = makeTempDir('chronik');
  private ports: number[] = [];
  // SIGTERM first on stop: chronik stops cleanly on it, which is also when node writes a --cpu-prof file.
  private readonly members = new MemberProcesses(
    this.dir,
    (member) => ({ name: `chronik ${member + 1}`, file: process.execPath, args: this.args(member), log: `node-${member + 1}.log` }),
    10_000,
  );

  constructor(
    readonly size = 3,
    private readonly options: ChronikOptions = {},
  ) {
    this.system = options.tls === true ? 'chronik-tls' : options.altRoot === undefined ? 'chronik' : 'chronik-alt';
    this.root = options.altRoot ?? REPO_ROOT;
  }

  async start(): Promise<void> {
    if (!existsSync(join(this.root, 'dist', 'commands'))) {
      throw new Error(`${join(this.root, 'dist', 'commands')} is missing: run \`npm run build\` there first (the bench:* scripts do)`);
    }
    this.ports = await freePorts(this.size, 'bench');
    if (this.options.tls === true) {
      const certs = makeCerts(this.size);
      this.certs = certs;
      const tls = { ca: readFileSync(certs.path('ca.pem')), cert: readFileSync(certs.path('operator.pem')), key: readFileSync(certs.path('operator-key.pem')) };
      for (let member = 0; member < this.size; member++) registerOriginTls(this.clientOrigin(member), tls);
    }
    for (let member = 0; member < this.size; member++) this.members.launch(member);
  }

  private address(member: number): string {
    return `127.0.0.1:${this.ports[member]}`;
  }

  private args(member: number): string[] {
    const scheme = this.certs !== undefined ? 'https://' : '';
    const peers = this.ports.map((_, i) => ({ id: i + 1, addr: `${scheme}${this.address(i)}` })).filter((p) => p.id !== member + 1);
    return [
      ...(this.options.nodeFlags ?? []),
      join(this.root, 'bin', 'run.js'),
      ...bootstrapArgs({
        id: member + 1,
        addr: this.address(member),
        peers,
        dataDir: join(this.dir, `node-${member + 1}`),
        extra: ['--tick', '100ms', '--election-ticks', '10', ...this.tlsFlags(member)],
      }),
    ];
  }

  private tlsFlags(member: number): string[] {
    const certs = this.certs;
    if (certs === undefined) return [];
    const ca = certs.path('ca.pem');
    const pair = `node${member + 1}`;
    return ['--cert-file', certs.path(`${pair}.pem`), '--key-file', certs.path(`${pair}-key.pem`), '--client-ca-file', ca, '--peer-ca-file', ca];
  }

  clientOrigin(member: number): string {
    return `${this.options.tls === true ? 'https' : 'http'}://${this.address(member)}`;
  }

  putRequest(key: string, value: string): { path: string; body: string } {
    return { path: '/v1/propose', body: JSON.stringify({ key, value }) };
  }

  async poll(members: number[], timeoutMs: number): Promise<MemberView[]> {
    return Promise.all(
      members.map(async (member): Promise<MemberView> => {
        const status = (await requestJson(this.clientOrigin(member), 'GET', '/v1/status', undefined, timeoutMs)) as
          | ChronikStatus
          | null;
        if (!status) return { member, reachable: false, leader: null, term: 0 };
        const leader = typeof status.leader === 'number' && status.leader > 0 ? status.leader - 1 : null;
        return { member, reachable: true, leader, term: status.term ?? 0 };
      }),
    );
  }

  /** The pid of a member's node process (also names its --cpu-prof file). */
  pid(member: number): number | undefined {
    return this.members.pid(member);
  }

  kill(member: number): Promise<void> {
    return this.members.kill(member);
  }

  /** The same command line again, as systemd's Restart= would. */
  async restart(member: number): Promise<void> {
    this.members.launch(member);
  }

  async stop(): Promise<void> {
    await this.members.stop();
    if (this.certs !== undefined) rmSync(this.certs.dir, { recursive: true, force: true });
  }
}
