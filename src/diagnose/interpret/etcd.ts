// etcd's own server lines around its Raft core (zap JSON fields or capnslog text): member and cluster
// identity, rafthttp peer reachability, cluster-id rejections, slow disks, late heartbeats, shutdowns.
import { durationMs, etcdId, field } from '../fields.js';
import type { LineContext } from './context.js';
import { interpretRaftCore } from './raft-core.js';
import type { Keyword } from '../keywords.js';

// Every line a branch below reacts to contains one of these (besides the Raft core's, raft-core.ts).
export const ETCD_KEYWORDS: readonly Keyword[] = [
  'starting an etcd server',
  'etcd Version: ',
  'election = ',
  'tarting local member',
  'tarting member ',
  'mismatch',
  'Mismatch',
  'became ',
  'unhealthy status',
  'health check for peer',
  'failed to dial',
  'removed',
  'slow fdatasync',
  'sync duration of',
  'failed to send out heartbeat',
  'took too long',
  'is out of range',
];
// Lines that only name the member (read until the stream knows it) and its cluster (until it knows that).
export const ETCD_IDENTITY_KEYWORDS: readonly Keyword[] = ['local-member-id'];
export const ETCD_GROUP_KEYWORDS: readonly Keyword[] = [['cluster-id', 'local-member-id']];

const MEMBER_IN_CLUSTER = /(?:re)?starting member ([0-9a-f]+) in cluster ([0-9a-f]+)/;
// `peer 8e9e05c52164694d` in most lines; etcd 2's stream dialer names it bare: `failed to dial 420c9b9a89d8b23d on stream`.
const PEER_ID = /peer ([0-9a-f]+)|failed to dial ([0-9a-f]+) on stream/;
const CAPNS_HEARTBEAT = /failed to send out heartbeat on time \(exceeded the (\d+(?:\.\d+)?\w+) timeout for (\d+(?:\.\d+)?\w+)/;
const SYNC_DURATION = /sync duration of (\S+), expected less than/;

export function interpretEtcd(ctx: LineContext): void {
  const { message, json } = ctx.shape;
  const self = field(message, json, 'local-member-id');
  if (self !== undefined) ctx.identify(etcdId(self));
  const cluster = field(message, json, 'cluster-id');
  if (cluster !== undefined && json !== undefined && self !== undefined) ctx.setGroup(cluster);

  if (interpretRaftCore(ctx, true)) return;
  interpretEtcdServer(ctx);
}

/** etcd's server and rafthttp lines (not its Raft core's): also looked for in files of other products. */
export function interpretEtcdServer(ctx: LineContext): void {
  const { message, json } = ctx.shape;
  const self = field(message, json, 'local-member-id');
  const cluster = field(message, json, 'cluster-id');
  let m: RegExpExecArray | null;
  if (message.includes('starting an etcd server') || /etcd Version: /.test(message)) {
    const timeout = durationMs(field(message, json, 'election-timeout'));
    ctx.emit('node-start', timeout !== undefined ? { electionTimeoutMs: timeout } : {});
    return;
  }
  if ((m = /^(?:\w+: )?election = (\d+)ms/.exec(message))) {
    ctx.emit('settings', { electionTimeoutMs: Number(m[1]) });
    return;
  }
  if (/starting local member|restarting local member/.test(message) && self !== undefined) {
    if (cluster !== undefined) {
      ctx.setGroup(cluster);
      ctx.emit('cluster-id', { clusterId: cluster });
    }
    return;
  }
  if ((m = MEMBER_IN_CLUSTER.exec(message))) {
    ctx.identify(m[1]!);
    ctx.setGroup(m[2]!);
    ctx.emit('cluster-id', { clusterId: m[2] });
    return;
  }
  if (/cluster ID mismatch/i.test(message)) {
    const remote = field(message, json, 'remote-peer-id') ?? field(message, json, 'remote-peer-id-from') ?? /remote\[([0-9a-f]+)\]/.exec(message)?.[1];
    ctx.emit('cluster-id-mismatch', { peer: remote === undefined ? undefined : etcdId(remote) });
    return;
  }
  if (/peer became inactive|peer [0-9a-f]+ became inactive/.test(message)) {
    ctx.emit('peer-unreachable', { peer: peerOf(message, json), reason: 'rafthttp peer inactive' });
    return;
  }
  if (/peer became active|peer [0-9a-f]+ became active/.test(message)) {
    ctx.emit('peer-recovered', { peer: peerOf(message, json) });
    return;
  }
  if (/prober detected unhealthy status|health check for peer [0-9a-f]+ could not connect|failed to dial [0-9a-f]+ on stream|failed to dial remote peer/.test(message)) {
    // The peer no longer knows this member: removal, not reachability.
    if (/failed to find local node|removed/.test(message)) {
      ctx.recognise();
      return;
    }
    ctx.emit('peer-unreachable', { peer: peerOf(message, json), reason: 'cannot connect' });
    return;
  }
  if (/rejected (?:the )?stream from (?:remote )?peer.*(?:removed)|permanently removed from the cluster|rejected message from removed member|from removed member/.test(message)) {
    ctx.emit('removed-member', { peer: peerOf(message, json) });
    return;
  }
  if (message.includes('slow fdatasync') || (m = SYNC_DURATION.exec(message)) !== null) {
    ctx.emit('slow-disk', { durationMs: durationMs(field(message, json, 'took') ?? m?.[1]), reason: 'fdatasync' });
    return;
  }
  if (message.includes('failed to send out heartbeat on time')) {
    const capns = CAPNS_HEARTBEAT.exec(message);
    const exceeded = durationMs(field(message, json, 'exceeded-duration') ?? capns?.[2]);
    ctx.emit('heartbeat-late', { durationMs: exceeded, reason: 'leader heartbeat late' });
    return;
  }
  if (/apply (?:request|entries) took too long|waiting for ReadIndex response took too long/.test(message)) {
    ctx.emit('slow-disk', { durationMs: durationMs(field(message, json, 'took')), reason: 'slow apply' });
    return;
  }
  if (/tocommit\(\d+\) is out of range/.test(message)) interpretRaftCore(ctx, true);
}

function peerOf(message: string, json: Record<string, unknown> | undefined): string | undefined {
  const bare = PEER_ID.exec(message);
  const id = field(message, json, 'peer-id') ?? field(message, json, 'remote-peer-id') ?? bare?.[1] ?? bare?.[2];
  return id === undefined ? undefined : etcdId(id);
}
