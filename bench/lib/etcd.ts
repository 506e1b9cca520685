// A 3-member etcd 3.4 cluster on loopback (Debian's etcd-server), default fsync, heartbeat 100 ms
// and election 1000 ms, written to through its gRPC-gateway JSON API.
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { freePorts } from '../../test/support/ports.js';
import { makeTempDir, MemberProcesses } from './processes.js';
import { requestJson, type BenchCluster, type MemberView } from './cluster.js';

export const ETCD_BINARY = process.env.ETCD_BINARY ?? 'etcd';

interface EtcdStatus {
  header?: { member_id?: string };
  leader?: string;
  raftTerm?: string;
}

export function etcdVersion(): string {
  const out = execFileSync(ETCD_BINARY, ['--version'], { encoding: 'utf8' });
  return /etcd Version: (\S+)/.exec(out)?.[1] ?? out.split('\n')[0] ?? 'unknown';
}

export class EtcdCluster implements BenchCluster {
  readonly system = 'etcd' as const;
  readonly fsyncMetric = 'etcd_disk_wal_fsync_duration_seconds';
  readonly dir = makeTempDir('etcd');
  private peerPorts: number[] = [];
  private clientPorts: number[] = [];
  private readonly members = new MemberProcesses(
    this.dir,
    (member) => ({ name: `etcd e${member + 1}`, file: ETCD_BINARY, args: this.args(member), log: `e${member + 1}.log` }),
    5000,
  );
  /** etcd's member ids (decimal strings as the gateway prints them) by member index. */
  private readonly memberIds = new Map<string, number>();

  constructor(readonly size = 3) {}

  async start(): Promise<void> {
    const ports = await freePorts(this.size * 2, 'bench');
    this.peerPorts = ports.slice(0, this.size);
    this.clientPorts = ports.slice(this.size);
    for (let member = 0; member < this.size; member++) this.members.launch(member);
  }

  private args(member: number): string[] {
    const initialCluster = this.peerPorts.map((port, i) => `e${i + 1}=http://127.0.0.1:${port}`).join(',');
    const peerUrl = `http://127.0.0.1:${this.peerPorts[member]}`;
    const clientUrl = this.clientOrigin(member);
    return [
      '--name', `e${member + 1}`,
      '--data-dir', join(this.dir, `e${member + 1}`),
      '--listen-peer-urls', peerUrl,
      '--initial-advertise-peer-urls', peerUrl,
      '--listen-client-urls', clientUrl,
      '--advertise-client-urls', clientUrl,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', 'chronik-bench',
      '--heartbeat-interval', '100',
      '--election-timeout', '1000',
    ];
  }

  clientOrigin(member: number): string {
    return `http://127.0.0.1:${this.clientPorts[member]}`;
  }

  putRequest(key: string, value: string): { path: string; body: string } {
    const body = JSON.stringify({
      key: Buffer.from(key).toString('base64'),
      value: Buffer.from(value).toString('base64'),
    });
    return { path: '/v3/kv/put', body };
  }

  async poll(members: number[], timeoutMs: number): Promise<MemberView[]> {
    return Promise.all(
      members.map(async (member): Promise<MemberView> => {
        const status = (await requestJson(this.clientOrigin(member), 'POST', '/v3/maintenance/status', '{}', timeoutMs)) as
          | EtcdStatus
          | null;
        if (!status) return { member, reachable: false, leader: null, term: 0 };
        const ownId = status.header?.member_id;
        if (ownId) this.memberIds.set(ownId, member);
        const leader = status.leader && status.leader !== '0' ? this.memberIds.get(status.leader) ?? null : null;
        return { member, reachable: true, leader, term: Number(status.raftTerm ?? 0) };
      }),
    );
  }

  pid(member: number): number | undefined {
    return this.members.pid(member);
  }

  kill(member: number): Promise<void> {
    return this.members.kill(member);
  }

  /** Same command line as the first start; etcd ignores the initial-cluster flags on an existing data dir. */
  async restart(member: number): Promise<void> {
    this.members.launch(member);
  }

  stop(): Promise<void> {
    return this.members.stop();
  }
}
