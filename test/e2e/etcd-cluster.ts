// Real etcd members (Debian's etcd-server, /usr/bin/etcd) on loopback for the attach tests: a cluster of
// any size in a scratch dir, fast elections, kill -9 one member, and removal of everything afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestCluster } from './cluster.js';

export const ETCD = process.env.CHRONIK_TEST_ETCD ?? '/usr/bin/etcd';

export class EtcdMember {
  private child?: ChildProcess;
  private exited?: Promise<void>;

  constructor(
    readonly name: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly dataDir: string,
    private readonly initialCluster: string,
    private readonly token: string,
    private readonly extraArgs: string[] = [],
  ) {}

  get endpoint(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get peerUrl(): string {
    return `http://127.0.0.1:${this.peerPort}`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  start(): void {
    const log = openSync(`${this.dataDir}.log`, 'a');
    // Short heartbeats and election timeouts keep a re-election well under a second.
    const args = [
      '--name', this.name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', `http://${this.endpoint}`,
      '--advertise-client-urls', `http://${this.endpoint}`,
      '--listen-peer-urls', this.peerUrl,
      '--initial-advertise-peer-urls', this.peerUrl,
      '--initial-cluster', this.initialCluster,
      '--initial-cluster-token', this.token,
      '--initial-cluster-state', 'new',
      '--heartbeat-interval', '50',
      '--election-timeout', '500',
      ...this.extraArgs,
    ];
    const child = spawn(ETCD, args, { stdio: ['ignore', log, log] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  async kill(): Promise<void> {
    if (!this.running || !this.child) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  log(): string {
    try {
      return readFileSync(`${this.dataDir}.log`, 'utf8').split('\n').slice(-10).join('\n');
    } catch {
      return '';
    }
  }
}

export class EtcdCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'chronik-etcd-'));
  readonly members: EtcdMember[] = [];

  /** Starts `size` members of one cluster and waits until all of them follow one leader. */
  async start(size: number, prefix = 'm', token = 'chronik-test', extraArgs: string[] = []): Promise<EtcdMember[]> {
    const ports = await TestCluster.ports(size * 2);
    const names = Array.from({ length: size }, (_, i) => `${prefix}${i + 1}`);
    const initialCluster = names.map((name, i) => `${name}=http://127.0.0.1:${ports[i * 2 + 1]}`).join(',');
    const members = names.map((name, i) => new EtcdMember(name, ports[i * 2] as number, ports[i * 2 + 1] as number, join(this.dir, name), initialCluster, token, extraArgs));
    this.members.push(...members);
    members.forEach((m) => m.start());
    await Promise.all(members.map((m) => waitForLeader(m)));
    return members;
  }

  async remove(): Promise<void> {
    await Promise.all(this.members.map((m) => m.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes keys through a member's v3 JSON gateway (keys and values are base64 there). */
export async function putKeys(member: EtcdMember, keys: string[]): Promise<void> {
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  for (const key of keys) {
    const response = await fetch(`http://${member.endpoint}/v3/kv/put`, { method: 'POST', body: JSON.stringify({ key: b64(key), value: b64(`value of ${key}`) }) });
    if (!response.ok) throw new Error(`put ${key} on ${member.name}: HTTP ${response.status}`);
    await response.body?.cancel();
  }
}

/** Polls the member's own status until it names a leader. */
async function waitForLeader(member: EtcdMember): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (!member.running) throw new Error(`etcd ${member.name} exited during start:\n${member.log()}`);
    try {
      const response = await fetch(`http://${member.endpoint}/v3/maintenance/status`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(500) });
      const status = (await response.json()) as { leader?: string };
      if (status.leader !== undefined && status.leader !== '0') return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`etcd ${member.name} has no leader after 20s:\n${member.log()}`);
}
