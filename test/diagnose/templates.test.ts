// The template layer: each library's (and embedding product's) message maps to one event of the model,
// whichever file it sits in. Lines are written as the libraries' format strings render them.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RaftEvent } from '../../src/diagnose/model.js';
import { SourceScanner } from '../../src/diagnose/scan.js';

const dir = mkdtempSync(join(tmpdir(), 'chronik-templates-'));

function eventsOf(line: string): { events: RaftEvent[]; unrecognised: number } {
  const file = join(dir, 'one.log');
  writeFileSync(file, `${line}\n`);
  const events: RaftEvent[] = [];
  const scanner = new SourceScanner(file, { handle: (e) => events.push(e), endOfStream: () => {} });
  scanner.scanFile(file);
  return { events, unrecognised: scanner.unrecognised.count };
}

const CASES: [string, string, Partial<RaftEvent>][] = [
  ['etcd 2.x rafthttp pipeline', 'Oct 05 04:21:46 core-01 etcd2[666]: failed to write 420c9b9a89d8b23d on pipeline (dial tcp 192.168.33.13:2380: no route to host)', { kind: 'peer-unreachable', peer: '420c9b9a89d8b23d' }],
  ['etcd 2.x stream dial names its peer bare', 'Oct 05 04:21:47 core-01 etcd2[666]: failed to dial 420c9b9a89d8b23d on stream MsgApp v2 (dial tcp 192.168.33.13:2380: i/o timeout)', { kind: 'peer-unreachable', peer: '420c9b9a89d8b23d' }],
  // The node's own term before a higher-term message: when it was still current (election-burst.ts).
  ['etcd higher-term message, the term before it', 'Apr 29 14:15:09 k8s-master-1 etcd[1167]: 2a0965170762fd09 [term: 12273] received a MsgVote message with higher term from 134af6e5d3e35861 [term: 12274]', { kind: 'term-seen', node: '2a0965170762fd09', term: 12273 }],
  ['etcd higher-term message, the term after it', 'Apr 29 14:15:09 k8s-master-1 etcd[1167]: 2a0965170762fd09 [term: 12273] received a MsgVote message with higher term from 134af6e5d3e35861 [term: 12274]', { kind: 'message-received', peer: '134af6e5d3e35861', term: 12274 }],
  ['etcd vote refusal states the voter log term', 'Apr 29 14:15:09 k8s-master-1 etcd[1167]: 2a0965170762fd09 [logterm: 12273, index: 153539862, vote: 0] rejected vote from 134af6e5d3e35861 [logterm: 12273, index: 153539851] at term 12274', { kind: 'vote-rejected', peer: '134af6e5d3e35861', term: 12274, logTerm: 12273 }],
  ['etcd vote grant states the voter log term', 'Apr 29 10:17:53 k8s-master-0 etcd[1224]: 134af6e5d3e35861 [logterm: 12251, index: 153343045, vote: 0] voted for 2a0965170762fd09 [logterm: 12251, index: 153343045] at term 12254', { kind: 'vote-cast', peer: '2a0965170762fd09', term: 12254, logTerm: 12251 }],
  ['etcd 2.x unhealthy connection', 'Oct 05 04:21:48 core-01 etcd2[666]: the connection to peer 420c9b9a89d8b23d is unhealthy', { kind: 'peer-unreachable', peer: '420c9b9a89d8b23d' }],
  ['etcd send buffer full', '2015-09-08 20:21:39.674454 W | rafthttp: dropped MsgAppResp to d7d17ac45e97d2d2 since pipeline\'s sending buffer is full', { kind: 'message-dropped', peer: 'd7d17ac45e97d2d2' }],
  // etcd 3.4+ zap names the writing member on every line: that identity must not stop the template layer.
  ['etcd zap send buffer full', '{"level":"warn","ts":"2023-08-18T10:38:58.167Z","caller":"rafthttp/peer.go:267","msg":"dropped internal Raft message since sending buffer is full (overloaded network)","message-type":"MsgHeartbeat","local-member-id":"6f4280d874315789","from":"6f4280d874315789","remote-peer-id":"63f111c239cc91f8","remote-peer-name":"pipeline","remote-peer-active":false}', { kind: 'message-dropped', node: '6f4280d874315789' }],
  ['etcd pre-2016 vote', 'raft2016/04/05 10:09:44 INFO: 30fd4a114dca23df [logterm: 2, index: 4, vote: 0] voted for 2a1a85c1d8f4b39b [logterm: 2, index: 4] at term 3', { kind: 'vote-cast', node: '30fd4a114dca23df', term: 3 }],
  ['etcd forgetting the leader', '8e9e05c52164694d forgetting leader 2 at term 7', { kind: 'leader-lost', node: '8e9e05c52164694d', term: 7 }],
  ['hashicorp legacy contact with its duration', '    2016/09/27 10:01:36 [DEBUG] raft: Failed to contact 10.8.3.187:4647 in 353h48m35.959420564s', { kind: 'peer-unreachable', peer: '10.8.3.187:4647' }],
  ['hashicorp legacy RequestVote peer', '    2016/05/02 01:00:13 [ERR] raft: Failed to make RequestVote RPC to 10.185.78.24:8300: dial tcp 10.185.78.24:8300: i/o timeout', { kind: 'peer-unreachable', peer: '10.185.78.24:8300' }],
  ['hashicorp debug candidacy term', '2022-10-06T06:10:36.613Z [DEBUG] raft: voting for self: term=8872 id=master-0:9333', { kind: 'term-seen', term: 8872 }],
  ['hashicorp no known peers is an empty configuration', '    2015/12/11 21:09:17 [WARN] raft: EnableSingleNode disabled, and no known peers. Aborting election.', { kind: 'config', voters: [] }],
  ['Consul: no cluster leader', '    2016/06/22 16:23:33 [ERR] agent: failed to sync remote state: No cluster leader', { kind: 'leader-wait-timeout' }],
  ['NATS Streaming leadership', '[1] 2018/07/18 09:29:20.330066 [INF] STREAM: server became leader, performing leader promotion actions', { kind: 'became-leader' }],
  ['SwarmKit under logrus', 'time="2018-08-13T12:28:58.272Z" level=debug msg="failed to send message MsgHeartbeat" error="rpc error: code = 14" peer_id=4c3ad8d93b5c51db', { kind: 'peer-unreachable', peer: '4c3ad8d93b5c51db' }],
  ['dragonboat role', '2023-02-14 17:17:54.441201 I | raft: [f:1,l:1808,t:15,c:1807,a:1807] [00000:00002] t15 became leader', { kind: 'became-leader', node: '2', term: 15 }],
  ['goraft (SeaweedFS) state', 'master2_1  | [raft]07:40:46.543780 [master2:9335 Term:0] server.loop.run  candidate', { kind: 'became-candidate', node: 'master2:9335', term: 0 }],
  ['openraft role', '2023-04-26T23:24:47.491325Z  INFO openraft::engine: id=3 becomes leader', { kind: 'became-leader', node: '3' }],
  ['openraft election', '2023-04-26T23:24:47.491325Z  INFO openraft::core::raft_core: election timeout expired, triggering election', { kind: 'election-started' }],
  ['openraft replication failing, with how long', '{"timestamp":"2023-04-26T23:24:47.491362708Z","level":"WARN","message":"error sending InstallSnapshot RPC to target","error":"NetworkError: since a successful raft request was made to OperatorNode { url: \\"http://node2:8080/\\" }: Some(RaftRpcFailure { age: 64.5s })","target":"openraft::replication"}', { kind: 'peer-unreachable', peer: 'http://node2:8080/', durationMs: 64500 }],
  ['NATS route retries', '[1] 2022/02/09 04:32:02.162984 [ERR] Error trying to connect to route (attempt 3200): dial tcp 10.0.0.28:6222: i/o timeout', { kind: 'peer-unreachable', peer: '10.0.0.28:6222', durationMs: 3_199_000 }],
  ['TiKV store lost', '[2020/05/01 10:00:00.000 +08:00] [WARN] [raft_client.rs:199] ["send to 10.0.0.7:20160 fail, the gRPC connection could be broken"]', { kind: 'peer-unreachable', peer: '10.0.0.7:20160' }],
  ['TiKV 2.x region without a leader', '2018/08/03 17:44:28.277 WARN store.rs:2816: [region 102] 103 leader missing longer than abnormal_leader_missing_duration 600s', { kind: 'leader-wait-timeout', durationMs: 600_000 }],
  ['dragonboat pre-vote campaign', '2022-01-10 17:17:20.290924 W | 20989 internal/raft/raft.go:1004 [f:12093922,l:17277407,t:9,c:17277407,a:17277407] [00127:00001] t9 became PreVote candidate', { kind: 'became-pre-candidate', node: '1', term: 9 }],
  ['NATS JetStream: no metadata leader', '[1] 2024/02/12 06:18:50.429432 [INF] JetStream cluster no metadata leader', { kind: 'leader-wait-timeout' }],
  ['NATS JetStream: no contact with a meta leader', '[1] 2023/10/11 17:00:23.018770 [WRN] JetStream has not established contact with a meta leader', { kind: 'leader-wait-timeout' }],
  ['NATS JetStream: a new metadata leader', '[1] 2024/02/12 06:16:49.515253 [INF] JetStream cluster new metadata leader: nats-service-1/nats-service', { kind: 'leader-known', peer: 'nats-service-1' }],
  ['NATS JetStream: this server leads', '[1] 2023/10/11 17:02:55.861398 [INF] Self is new JetStream cluster metadata leader', { kind: 'became-leader' }],
  ['SeaweedFS master elected', 'I0225 09:57:46     1 master_server.go:143] [ fast-master-0.dc1:9333 ] fast-master-0.dc1:9333 becomes leader.', { kind: 'became-leader', node: 'fast-master-0.dc1:9333' }],
  ['goraft: a second leader in one term', 'panic: assertion failed: leader.elected.at.same.term.289', { kind: 'term-seen', term: 289 }],
  ['openraft saved vote at start-up', '2025-12-03T09:17:07.657758179+00:00  INFO openraft::storage::helper: get_initial_state vote=<T0-N1:-> last_purged_log_id=None last_applied=None committed=None last_log_id=None', { kind: 'term-seen', term: 0 }],
  ['async-raft metrics', 'Error: timeout after 3s when a leader is observed latest: RaftMetrics { id: 0, state: Candidate, current_term: 2, last_log_index: 11, last_applied: 11, current_leader: None }', { kind: 'term-seen', node: '0', term: 2 }],
  ['InfluxDB 0.9 raft: a candidate at a new term', '[raft] 2015/05/15 18:52:56 candidate[1]: changing term: 2 => 3', { kind: 'became-candidate', node: '1', term: 3 }],
  ['InfluxDB 0.9 raft: a vote refused', '[raft] 2015/05/15 18:52:56 leader[2]: recv req vote: (term=3, candidateID=1, lastLogIndex=648, lastLogTerm=2) (err=out of date log)', { kind: 'vote-rejected', node: '2', peer: '1', term: 3 }],
  ['InfluxDB 0.9 raft: a vote granted', '[raft] 2015/05/15 18:52:56 leader[2]: recv req vote: (term=3, candidateID=3, lastLogIndex=648, lastLogTerm=2) (err=<nil>)', { kind: 'vote-cast', node: '2', peer: '3', term: 3 }],
  ['dragonboat LeaderInfo printed by an application, no leader', '2022-06-02 09:33:49.497\tWARN\t[raftstorage] [event] [LeaderUpdated]\t{"target": "nhid-11772876510710", "info": {"ClusterID":47,"NodeID":11772876510710,"Term":23,"LeaderID":0}}', { kind: 'term-seen', node: '11772876510710', term: 23 }],
  ['dragonboat v4 LeaderInfo with a leader', 'leader updated {"ShardID":1,"ReplicaID":2,"Term":5,"LeaderID":3}', { kind: 'leader-known', node: '2', peer: '3', term: 5 }],
  ['raft-rs HardState printed by an application', 'INFO:root:Initial RaftState: RaftState { hard_state: HardState { term: 7, vote: 1, commit: 12 }, conf_state: ConfState { voters: [1] } }', { kind: 'term-seen', term: 7 }],
  ['TiKV 3.x vote in a docker json-file record', '{"log":"2019/09/20 03:49:49.867 INFO \\u003cunknown\\u003e:1091: [region 2364] 2365 [logterm: 35, index: 35, vote: 0] cast MsgRequestVote for 2366 [logterm: 35, index: 35] at term 36\\n","stream":"stderr","time":"2019-09-19T19:49:49.868047863Z"}', { kind: 'vote-cast', node: '2365', peer: '2366', term: 36 }],
  ['TiKV 3.x pre-vote refused', '2019/03/07 10:29:21.666 INFO <unknown>:1091: [region 1795] 2494 [logterm: 13, index: 37, vote: 0] rejected MsgRequestPreVote from 1797 [logterm: 13, index: 36] at term 14', { kind: 'vote-rejected', node: '2494', peer: '1797', term: 14 }],
  ['SeaweedFS master without a topology leader', 'master_1  | E1115 17:42:58     1 master_grpc_server.go:252] topo leader: Raft Server not initialized!', { kind: 'leader-wait-timeout' }],
  ['etcd 0.4: a leader named', "[etcd] Jul 30 20:50:00.253 INFO      | app02: leader changed from '' to 'app03'.", { kind: 'leader-known', node: 'app02', peer: 'app03' }],
  ['etcd 0.4: the leader gone', "[etcd] Jul 30 20:50:13.509 INFO      | app02: leader changed from 'app03' to ''.", { kind: 'leader-lost', node: 'app02' }],
  ['etcd 0.4: a node leading', "[etcd] Jul 30 20:50:13.509 INFO      | app01: state changed from 'candidate' to 'leader'.", { kind: 'became-leader', node: 'app01' }],
  ['etcd 0.4: a new term', '[etcd] Jul 30 20:50:13.509 INFO      | app02: term #4 started.', { kind: 'term-seen', node: 'app02', term: 4 }],
  ["InfluxDB 0.10: raft's String() reported with the peers", 'Jan 11 12:56:56 coreos01 docker[12948]: [metastore] 2016/01/11 12:56:56 Node at localhost:8088 [Leader]. peers=[influxdb01:8088 localhost:8088]', { kind: 'became-leader' }],
  ['InfluxDB 0.10: no leader', 'Jan 11 12:56:56 coreos01 docker[12948]: [metastore] 2016/01/11 12:56:56 No leader', { kind: 'leader-wait-timeout' }],
];

describe('library templates, in any file', () => {
  for (const [name, line, want] of CASES) {
    it(name, () => {
      const { events, unrecognised } = eventsOf(line);
      expect(events.map((e) => ({ ...e, evidence: undefined, group: undefined, time: undefined }))).toContainEqual(expect.objectContaining(want));
      expect(unrecognised).toBe(0);
    });
  }

  it('routine lines of the libraries are recognised, not counted as not understood', () => {
    for (const line of [
      '2019-06-18 13:38:17.687444 I | rafthttp: started streaming with peer d5b232caf33e0eae (writer)',
      '2021-05-13T19:39:22.359Z [DEBUG] raft/raft.go:268: nomad.raft: votes: needed=2',
      '2016/05/02 00:59:56 [INFO] raft: aborting pipeline replication to peer 10.185.80.227:8300',
      '2021-01-10 11:50:36.394047 I | raft: 6e5dda50b9141776 received MsgVoteResp from 6e5dda50b9141776 at term 3',
      '2017-12-20 02:21:18.068134 I | rafthttp: starting peer a9efae717f838092...',
      '2017-12-20 02:21:18.068181 I | rafthttp: started HTTP pipelining with peer a9efae717f838092',
      '{"level":"warn","ts":"06:22:52.217954-0700","caller":"rafthttp/stream.go:285","msg":"closed TCP streaming connection with remote peer","stream-writer-type":"stream MsgApp v2","remote-peer-id":"9de40a5eb2171476"}',
      '2023/06/01 10:38:28 loading WAL at term 0 and index 0',
      '[7] 2022/03/15 09:36:52.200912 [WRN] RAFT [BvB3cxyA - _meta_] Error writing term and vote file for "_meta_": open /data/jetstream/$SYS/_js_/_meta_/tav.idx: no such file or directory',
      '[03/01/15 14:56:14] [INFO] Attempting to join leader at localhost:4001',
      '2020-04-09 02:47:09.625008 I | etcdserver: 36cea8585d2d08ae as single-node; fast-forwarding 9 ticks (election ticks 10)',
      '[raft] 2015/05/15 18:52:56 follower[2]: leaderLoop: send heartbeat: error: cnt=1 stale term',
      '2017-04-27 00:16:27.329595 I | etcdserver: finished adding peers from new cluster configuration into network...',
      'master_1  | I1115 17:42:59     1 masterclient.go:88] master failed to receive from 172.18.0.3:9333: rpc error: code = Unknown desc = raft.Server: Not current leader',
      '2019/09/20 03:49:49.876 INFO pd.rs:575: [region 1684] try to transfer leader from id: 1685 store_id: 4 to id: 1686 store_id: 5',
      'tikv-server[11783]: [2023/02/23 04:50:18.820 +00:00] [INFO] [peer.rs:4500] ["reject transferring leader"] [wait_data=false] [is_witness=true] [disk_usage=Normal] [pending_snapshot=false] [from=122222] [peer_id=122221] [region_id=122220]',
      '[2019/08/31 17:58:34.900 +08:00] [INFO] [cluster_info.go:567] ["leader changed"] [region-id=519919] [from=7] [to=4]',
      '2019-09-09 11:51:14.151264 I | etcdserver: dd87127e0d4f2a25 initialzed peer connection; fast-forwarding 6 ticks (election ticks 8) with 2 active peer(s)',
    ]) {
      expect(eventsOf(line).unrecognised, line).toBe(0);
    }
  });
});
