// The template layer's lines no other interpreter maps: further etcd-io/raft and rafthttp templates
// (older wordings included), hashicorp/raft v0.x/v1.0 wordings, and what products embedding a library
// say in their own words about the same facts (SwarmKit, Docker, NATS Streaming and JetStream,
// SeaweedFS, Kubernetes' etcd client). A line that states a known but uneventful fact (a vote request sent, a tally) is only
// recognised, so it is not counted as unrecognised; one that states the node's term says that term.
import { durationMs, etcdId, field } from '../fields.js';
import type { LineContext } from './context.js';
import type { Keyword } from '../keywords.js';

// Every line a pattern below that reports an event contains one of these (the KNOWN lines need none:
// a line no keyword brings is neither interpreted nor counted as unrecognised), grouped by the family
// whose files hold such lines, so each family's keyword filter stays small (the line finder slows
// down with every keyword).
// (Lines that also hold a Raft-looking word, dialect.ts's RAFT_LOOKING_KEYWORDS, need no keyword of their
// own: `lost the TCP streaming connection with peer`, `the connection to peer X is unhealthy`.)
export const OTHER_ETCD_KEYWORDS: readonly Keyword[] = [
  ' [term',
  'forgetting leader',
  'not have a leader',
  'no leader',
  'timed out',
  'on pipeline',
  'version of member',
  'on stream',
  'sending buffer is full',
  'deactivated',
  'ending message',
];
export const OTHER_HASHICORP_KEYWORDS: readonly Keyword[] = ['Failed to contact', 'leadership', 'server health', 'ejecting vote', 'for self', 'asking for'];
export const OTHER_RUST_KEYWORDS: readonly Keyword[] = ['RPC to target', 'Metrics{', ' vote', 'Vote', 'leader missing', 'gRPC connection', 'to store', 'trigger election', 'triggering election', 'send a heartbeat', 'timeout while requesting'];
export const OTHER_KEYWORDS: readonly Keyword[] = [...OTHER_ETCD_KEYWORDS, ...OTHER_HASHICORP_KEYWORDS, ...OTHER_RUST_KEYWORDS, 'connect to route', 'became', 'become', ' Term:', 'leader change', 'is the leader', 'leader is change', 'no longer a leader'];

const ID = '([0-9a-f]+)';
/** Logger names and call sites before a message: `raft/raft.go:474: nomad.raft: `, `STREAM: raft: `, `openraft::core: `. */
const LOGGER_NAMES = /^(?:[\w./-]+(?:::\w+)*(?::\d+)?: )+/;
// Lines whose first id is the node and that state its term.
const TERM_LINES: RegExp[] = [
  // %x [logterm: %d, index: %d] sent %s request to %x at term %d (and the pre-2016 `sent vote request`)
  new RegExp(`${ID} \\[logterm: \\d+, index: \\d+\\] sent (?:\\w+ request|vote request) to [0-9a-f]+ at term (\\d+)`),
  // %x [term: %d] ignored a %s message with lower term from %x [term: %d]
  new RegExp(`${ID} \\[term: (\\d+)\\] ignored (?:a \\w+ message|entry appends from a \\w+ message) with lower term`),
  new RegExp(`${ID} cannot campaign at term (\\d+) since there are still pending configuration changes`),
  new RegExp(`${ID} not forwarding to leader [0-9a-f]+ at term (\\d+); dropping proposal`),
  new RegExp(`${ID} no leader at term (\\d+); dropping leader transfer msg`),
  new RegExp(`${ID} \\[term (\\d+)\\] (?:received MsgTimeoutNow from [0-9a-f]+ and starts an election|starts to transfer leadership|abort previous transferring leadership|transfer leadership to [0-9a-f]+ is in progress)`),
  // pre-2016 etcd-raft vote tallies: `%x received vote from %x at term %d`
  new RegExp(`${ID} received vote(?: rejection)? from [0-9a-f]+ at term (\\d+)`),
];
/** The old leader starting a transfer, or its target campaigning on the leader's MsgTimeoutNow. */
const LEADER_TRANSFER = /\] (?:received MsgTimeoutNow from [0-9a-f]+ and starts an election|starts to transfer leadership)/;
// Known lines that state no fact the detectors use.
const KNOWN: RegExp[] = [
  /has received \d+ (?:\w+ )?votes and \d+ vote rejections/,
  /ignored (?:\w+|vote) from [0-9a-f]+ \[logterm: \d+, index: \d+\](?: at term \d+)?: lease is not expired/,
  /sends? MsgTimeoutNow to|sent MsgTimeoutNow to|found conflict at index \d+|ignoring conf change|initiating automatic transition out of joint configuration|would exceed uncommitted entry size limit/,
  /starts to restore snapshot|restored snapshot|\[commit: \d+\] ignored snapshot|fast-forwarded commit to snapshot/,
  /clock difference against peer/,
  /broadcasting vote request|received a message with higher term|ignored a message with lower term/,
  // hashicorp/raft
  /^(?:votes needed|vote granted|calculated votes needed|duplicate requestvote|election won|lost leadership because received a requestvote|pre-vote campaign failed)/i,
  /^(?:added peer|removed peer)[, ]+(?:\S+, )?(?:starting|stopping) replication|^appendentries to .* rejected, sending older logs|^peer has newer term, stopping replication/i,
  /entering (?:follower|candidate|leader) state|updated peer set/i,
  /^(?:cluster leadership (?:acquired|lost)|(?:consul|nomad|vault): cluster leadership)/i,
  /finished leader (?:promotion|stepdown) actions|leadership lost while committing log/,
  // etcd's transport and start-up lines about peers
  /(?:started|stopped|closed the TCP) streaming (?:connection )?with peer|^(?:started|added|removed|stopping|stopped) (?:remote )?peer|listening for peers on|serving peer traffic|advertise peer URLs/,
  /initial election tick advance|transferring leadership|finished leader transfer|received MsgTimeoutNow|published .* to cluster/,
  /aborting pipeline replication|has newer term, stopping replication|^votes: needed|^vote granted|appendEntries rejected, sending older logs|node is not the leader|become the leader/i,
  /Engine::handle_vote_req|received \d+ votes and \d+ rejections|a quorum granted my vote|a quorum would grant the vote|handle vote request|vote is changing from|received RaftMsg::Request(?:Pre)?Vote|trigger pre-vote|skip election, already a leader|leader lease has not yet expired|higher vote seen/,
  /votes: needed|^needed=|pre-vote (?:received|granted)|reset election timeout|create peer with id|found peers\.json file|deleted peers\.json file/,
  /^(?:memberlist|serf|agent\.leader): |started as single-node|now serving peer|resigns pd leadership|re-campaign a pd leader|stopped HTTP pipelining|initial(?:i[sz]|z)ed peer connection/,
  /^peer\.vote(?:\.recv)?: /,
  /^new leader elected, stepping down|^removed ourself, |peer sees incorrect leader|expected heartbeat, got|previous log term mis-match|installSnapshot request with older term|^updating peer|target does not support pre-vote/i,
  /current cluster leader:|peers:\S+|Name: \S+, State: \w+, Term: \d+/,
  /starting snapshot up to|snapshot network transfer progress|compacting logs|installed remote snapshot/i,
  // etcd bringing a peer up or down, and raftexample replaying its WAL
  /^starting peer [0-9a-f]+|^started HTTP pipelining with peer|^(?:closed|stopped) TCP streaming connection with remote peer$|^stopped stream reader with remote peer$|^loading WAL at term \d+/,
  // NATS JetStream's Raft groups starting, and failing to persist their term and vote (a storage error, no Raft fact)
  /^JetStream cluster creating raft group|^RAFT \[\S+ - \S+\] (?:Started|Error writing term and vote file)/,
  // etcd 3.4 starting alone, InfluxDB 0.9's deposed leader failing its last heartbeats
  /as single-node; fast-forwarding \d+ ticks|finished adding peers from new cluster configuration|leaderLoop: send heartbeat: error: .*stale term/,
  // TiKV moving a region's leader on PD's order, and PD's own scheduling lines: planned, no Raft fact
  /\["(?:try to transfer leader|reject transferring leader|send schedule command|region (?:ConfVer|Version) changed)"\]|\["leader changed"\] \[region-id=|\[region \d+\] (?:\d+ )?(?:try to )?transfer leader (?:from|to) id: /,
  // early rqlite (goraft) joining, SeaweedFS's master clients following a redirect
  /Attempting to join leader at|redirected to leader |raft\.Server: Not current leader/,
];
// hashicorp/raft's debug lines of a candidacy: `voting for self: term=8872 id=...`, `asking for vote: term=..`.
const HASHICORP_CANDIDACY = /^(?:voting for self|pre-voting for self|asking for (?:pre-)?vote)\b/;
// goraft (SeaweedFS): `[master2:9335 Term:0] server.loop.run  follower`.
const GORAFT_TERM = /\[([\w.-]+:\d+) Term:(\d+)\]/;
// A product naming the leader it follows, or the loss of one: SeaweedFS (`leader change event: A => B`,
// `[X]  - is the leader.`), swan (`Now leader is change to X`), SwarmKit (`node no longer a leader`), Vault.
const LEADER_CHANGE = /leader change event: *(\S*) => *(\S*)|\[(\S+)\] +- is the leader\.|Now leader is change to (\S+)/;
const LEADER_LOST = /node no longer a leader|^leadership lost, stopping active operation/;
// TiKV 2.x/3.x: a region without a leader for longer than its abnormal threshold.
const TIKV_LEADER_MISSING = /leader missing longer than abnormal_leader_missing_duration (\S+)/;
const HIGHER_VOTE_REJECTED = /^rejecting vote (?:request )?from (\S+?):? since (?:our last (?:term|index) is greater|we have a leader)/i;
const CONTACT = /^failed to contact (\S+) in (\S+)/i;
const FORGET = new RegExp(`${ID} forgetting leader ${ID} at term (\\d+)`);
const STREAM_LOST = /lost (?:the )?TCP streaming connection with (?:remote )?peer(?: ([0-9a-f]+))?/;
const STREAM_UP = /established (?:a )?TCP streaming connection with (?:remote )?peer(?: ([0-9a-f]+))?/;
const NO_LEADER_ERROR = /etcdserver: no leader|The swarm does not have a leader|raft: no elected cluster leader|no cluster leader/i;
const SEND_TO_PEER = /(?:error sending message to peer|failed to send message to (?:peer|member)|failed to send message)\b/i;
// etcd's rafthttp and cluster probes (2.x to 3.5 wordings) failing to reach a member.
const RAFTHTTP_UNREACHABLE = [
  /failed to write ([0-9a-f]+) on pipeline/,
  /failed to reach the peerURL\([^)]*\) of member ([0-9a-f]+)/,
  /cannot get the version of member ([0-9a-f]+)/,
  /the connection to peer ([0-9a-f]+) is unhealthy/,
  /failed to (?:read|heartbeat) ([0-9a-f]+) on stream/,
];
// The same in zap's words, the member in a field.
const RAFTHTTP_UNREACHABLE_ZAP = /^(?:peer deactivated again|failed to reach the peer URL)$/;
// dragonboat: `[f:1,l:1807,t:14,c:1807,a:1807] [00000:00003] t14 became leader` (shard:replica, then the term).
// Its pre-vote campaign reads `t9 became PreVote candidate`.
const DRAGONBOAT_ROLE = /\[(\d+):(\d+)\] t(\d+) (?:became|become) (leader|candidate|pre-candidate|PreVote candidate|follower)/;
const DRAGONBOAT_VOTE = /\[(\d+):(\d+)\] t(\d+) cast vote from n0*(\d+)/;
// An application printing dragonboat's LeaderInfo from its RaftEventListener (v3 and v4 field names):
// `{"ClusterID":47,"NodeID":11772876510710,"Term":23,"LeaderID":0}`; LeaderID 0 means no leader known.
const DRAGONBOAT_LEADER_INFO = /"(?:ClusterID|ShardID)": ?(\d+), ?"(?:NodeID|ReplicaID)": ?(\d+), ?"Term": ?(\d+), ?"LeaderID": ?(\d+)/;
// raft-rs's persisted state as applications print it: `HardState { term: 0, vote: 0, commit: 0 }`.
const RAFT_RS_HARD_STATE = /HardState \{ term: (\d+), vote: \d+, commit: \d+ \}/;
// openraft: votes are written T<term>-N<node>; its metrics name the role and term.
const OPENRAFT_VOTE_REJECTED = /vote T(\d+)-N(\d+)\S* is rejected by local vote: T(\d+)-N\d+|reject vote-request: by/;
const OPENRAFT_ROLE = /^id=(\d+) (becomes leader|steps down from leader)/;
const OPENRAFT_ELECTION = /^(?:election timeout expired, triggering election|trigger election)$/;
const OPENRAFT_HEARTBEAT = /failed to send a heartbeat|timeout while requesting/;
const OPENRAFT_METRICS = /Metrics\{id:(?:NID\[)?(\d+)\]?, (\w+), term:(\d+)/;
// openraft reading its saved vote at start-up: `get_initial_state vote=<T0-N1:->` (the term, then whom it voted for).
const OPENRAFT_INITIAL_VOTE = /^get_initial_state vote=<T(\d+)-N/;
// async-raft (openraft's predecessor, databend meta) metrics: `RaftMetrics { id: 0, state: Candidate, current_term: 2, ...`.
const ASYNC_RAFT_METRICS = /RaftMetrics \{ id: (\d+), state: \w+, current_term: (\d+)/;
// InfluxDB 0.9's own raft package names the role and node before each message: `candidate[1]: changing
// term: 2 => 3`, `leader[2]: recv req vote: (term=3, candidateID=1, ...) (err=out of date log)`,
// `candidate[1]: send req vote(term=3, ...)`.
const INFLUX_ROLE = /^(follower|candidate|leader)\[(\d+)\]: (?:changing term: \d+ => (\d+)|recv req vote: \(term=(\d+), candidateID=(\d+)[^)]*\) \(err=([^)]*)\)|send req vote\(term=(\d+))/;
// goraft (SeaweedFS) asserting that a second leader was elected in a term it already had one for.
const GORAFT_SAME_TERM_LEADER = /leader\.elected\.at\.same\.term\.(\d+)/;
// rafthttp throwing messages away: `dropped MsgAppResp to X since pipeline's sending buffer is full`,
// `dropped internal raft message to X since ...`, zap's `dropped internal Raft message since sending buffer is full`.
const SEND_BUFFER_FULL = /dropped (\w+|internal raft message)(?: to ([0-9a-f]+))? since (?:\w+'s )?sending buffer is full/i;
// A product's own words for gaining or losing leadership (NATS Streaming).
const LEADERSHIP = /^server (became leader|lost leadership), performing leader/;
// NATS JetStream's meta group (its own Raft) naming its leader or saying it has none: `JetStream cluster
// new metadata leader: nats-1/cluster`, `Self is new JetStream cluster metadata leader`, `JetStream
// cluster no metadata leader`, `JetStream has not established contact with a meta leader`.
const JETSTREAM_LEADER = /^JetStream cluster new metadata leader: ([^/\s]+)|^(Self is new JetStream cluster metadata leader)|^JetStream (?:cluster no metadata leader|has not established contact with a meta leader)/;
// etcd 0.4 (goraft inside) names the node before each message: `app02: leader changed from 'app03' to ''.`,
// `app01: state changed from 'candidate' to 'leader'.`, `app02: term #4 started.`
const ETCD04 = /^([\w.:-]+): (?:leader changed from '[^']*' to '([^']*)'|state changed from '\w+' to '(leader|candidate|follower)'|term #(\d+) started)\.$/;
// SeaweedFS's master unable to name its topology leader: `topo leader: Raft Server not initialized!`,
// `topo leader: leader not selected yet`; InfluxDB 0.10's metastore says just `No leader`.
const SEAWEED_NO_LEADER = /topo leader: (?:Raft Server not initialized|leader not selected yet)/;
// SeaweedFS's master announcing its own election: `[ 10.0.0.1:9333 ] 10.0.0.1:9333 becomes leader.`
const SEAWEED_BECOMES_LEADER = /^\[ ?(\S+?) ?\] (\S+) becomes leader\.$/;
// openraft: `error sending InstallSnapshot RPC to target` (the target is a field).
// Consul's autopilot probing a server.
const SERVER_HEALTH = /error getting server health from "?([^"\s:]+)"?: .*(?:timeout|refused|no route to host|unreachable)/;
// TiKV's raft client losing a store: `send to 10.0.0.1:20160 fail, the gRPC connection could be broken`.
const TIKV_SEND_FAIL = /send to (\S+) fail, the gRPC connection could be broken|resolve store address failed|(?:connect|connection) to store (\d+) failed/;
// NATS (Streaming's transport): `Error trying to connect to route (attempt 3200): dial tcp 10.0.0.28:6222: i/o timeout`.
const ROUTE_RETRY = /Error trying to connect to route \(attempt (\d+)\): dial tcp ([\w.:[\]-]+?):? /;
/** nats-server's shortest pause between two attempts to connect a route. */
const ROUTE_RETRY_MIN_MS = 1000;
const OPENRAFT_RPC = /error sending (\w+) RPC to target/;
const READ_INDEX_TIMEOUT = /timed out waiting for read index response|etcdserver: request timed out/;

/** Whether a template here matched (an event was reported or the line was only recognised). */
export function interpretOther(ctx: LineContext): boolean {
  const message = ctx.shape.message.replace(LOGGER_NAMES, '');
  let m: RegExpExecArray | null;
  for (const pattern of TERM_LINES) {
    if ((m = pattern.exec(message))) {
      // A planned leader transfer (etcdctl move-leader, a leader stopping): the next term's leader was handed leadership.
      ctx.emit('term-seen', { node: etcdId(m[1]!), term: Number(m[2]), ...(LEADER_TRANSFER.test(message) ? { reason: 'leader-transfer' } : {}) });
      return true;
    }
  }
  if (HASHICORP_CANDIDACY.test(message)) {
    const term = Number(field(message, ctx.shape.json, 'term'));
    if (Number.isFinite(term)) ctx.emit('term-seen', { term });
    else ctx.recognise();
    return true;
  }
  if ((m = LEADER_CHANGE.exec(message))) {
    const leader = m[2] ?? m[3] ?? m[4];
    if (leader === undefined || leader === '') ctx.emit('leader-lost', { peer: m[1] === '' ? undefined : m[1] });
    else ctx.emit('leader-known', { peer: leader });
    return true;
  }
  if (LEADER_LOST.test(message)) {
    ctx.emit('leader-lost', { reason: 'leadership lost' });
    return true;
  }
  if ((m = TIKV_LEADER_MISSING.exec(message))) {
    ctx.emit('leader-wait-timeout', { durationMs: durationMs(m[1]), reason: 'region leader missing' });
    return true;
  }
  if ((m = GORAFT_TERM.exec(message))) {
    const node = m[1]!;
    const term = Number(m[2]);
    const state = /server\.loop\.run\s+(leader|candidate|follower)/.exec(message)?.[1];
    const vote = /votes for (\S+) at term (\d+)/.exec(message);
    if (state !== undefined) ctx.emit(state === 'leader' ? 'became-leader' : state === 'candidate' ? 'became-candidate' : 'became-follower', { node, term });
    else if (vote) ctx.emit('vote-cast', { node, peer: vote[1], term: Number(vote[2]) });
    else ctx.emit('term-seen', { node, term });
    return true;
  }
  if ((m = FORGET.exec(message))) {
    ctx.emit('leader-lost', { node: etcdId(m[1]!), peer: etcdId(m[2]!), term: Number(m[3]) });
    return true;
  }
  if ((m = STREAM_LOST.exec(message))) {
    ctx.emit('peer-unreachable', { peer: peerOf(m[1], ctx), reason: 'lost the TCP streaming connection' });
    return true;
  }
  if ((m = STREAM_UP.exec(message))) {
    ctx.emit('peer-recovered', { peer: peerOf(m[1], ctx) });
    return true;
  }
  for (const pattern of RAFTHTTP_UNREACHABLE) {
    if ((m = pattern.exec(message))) {
      ctx.emit('peer-unreachable', { peer: etcdId(m[1]!), reason: 'cannot reach member' });
      return true;
    }
  }
  if (RAFTHTTP_UNREACHABLE_ZAP.test(message)) {
    ctx.emit('peer-unreachable', { peer: peerOf(undefined, ctx), reason: 'cannot reach member' });
    return true;
  }
  if ((m = DRAGONBOAT_ROLE.exec(message))) {
    const kind = m[4] === 'leader' ? 'became-leader' : m[4] === 'candidate' ? 'became-candidate' : m[4] === 'pre-candidate' || m[4] === 'PreVote candidate' ? 'became-pre-candidate' : 'became-follower';
    ctx.emit(kind, { node: String(Number(m[2])), group: `shard-${Number(m[1])}`, term: Number(m[3]) });
    return true;
  }
  if ((m = DRAGONBOAT_VOTE.exec(message))) {
    ctx.emit('vote-cast', { node: String(Number(m[2])), group: `shard-${Number(m[1])}`, peer: m[4], term: Number(m[3]) });
    return true;
  }
  if ((m = DRAGONBOAT_LEADER_INFO.exec(message) ?? DRAGONBOAT_LEADER_INFO.exec(ctx.raw))) {
    const at = { node: m[2], group: `shard-${Number(m[1])}`, term: Number(m[3]) };
    if (m[4] === '0') ctx.emit('term-seen', at);
    else ctx.emit('leader-known', { ...at, peer: m[4] });
    return true;
  }
  if ((m = RAFT_RS_HARD_STATE.exec(message))) {
    ctx.emit('term-seen', { term: Number(m[1]) });
    return true;
  }
  if ((m = OPENRAFT_VOTE_REJECTED.exec(message))) {
    ctx.emit('vote-rejected', m[1] === undefined ? {} : { peer: m[2], term: Number(m[3]) });
    return true;
  }
  if ((m = OPENRAFT_ROLE.exec(message))) {
    if (m[2] === 'becomes leader') ctx.emit('became-leader', { node: m[1] });
    else ctx.emit('leader-lost', { node: m[1], reason: 'stepped down' });
    return true;
  }
  if (OPENRAFT_ELECTION.test(message)) {
    ctx.emit('election-started');
    return true;
  }
  if (OPENRAFT_HEARTBEAT.test(message)) {
    const target = ctx.shape.json?.target ?? /target=(\S+)/.exec(message)?.[1];
    ctx.emit('peer-unreachable', { peer: target === undefined ? undefined : String(target), reason: 'openraft RPC failed' });
    return true;
  }
  if ((m = ASYNC_RAFT_METRICS.exec(message))) {
    ctx.emit('term-seen', { node: m[1], term: Number(m[2]) });
    return true;
  }
  if ((m = INFLUX_ROLE.exec(message))) {
    const node = m[2]!;
    if (m[3] !== undefined) ctx.emit(m[1] === 'candidate' ? 'became-candidate' : 'term-seen', { node, term: Number(m[3]) });
    else if (m[4] !== undefined) ctx.emit(m[6] === '<nil>' ? 'vote-cast' : 'vote-rejected', { node, peer: m[5], term: Number(m[4]), reason: m[6] === '<nil>' ? undefined : m[6] });
    else ctx.emit('term-seen', { node, term: Number(m[7]) });
    return true;
  }
  if ((m = OPENRAFT_INITIAL_VOTE.exec(message) ?? GORAFT_SAME_TERM_LEADER.exec(message))) {
    ctx.emit('term-seen', { term: Number(m[1]) });
    return true;
  }
  if ((m = OPENRAFT_METRICS.exec(message))) {
    ctx.emit('term-seen', { term: Number(m[3]) });
    return true;
  }
  if ((m = SEND_BUFFER_FULL.exec(message))) {
    ctx.emit('message-dropped', { peer: peerOf(m[2], ctx), reason: /^internal/i.test(m[1]!) ? String(ctx.shape.json?.['message-type'] ?? 'raft message') : m[1] });
    return true;
  }
  if ((m = LEADERSHIP.exec(message))) {
    if (m[1] === 'became leader') ctx.emit('became-leader');
    else ctx.emit('leader-lost', { reason: 'lost leadership' });
    return true;
  }
  if ((m = JETSTREAM_LEADER.exec(message))) {
    if (m[1] !== undefined) ctx.emit('leader-known', { peer: m[1] });
    else if (m[2] !== undefined) ctx.emit('became-leader');
    else ctx.emit('leader-wait-timeout', { reason: 'no metadata leader' });
    return true;
  }
  // The node name ends like a logger name, which `message` has lost: read the whole body.
  if ((m = ETCD04.exec(ctx.shape.message))) {
    const node = m[1]!;
    if (m[2] !== undefined) ctx.emit(m[2] === '' ? 'leader-lost' : 'leader-known', m[2] === '' ? { node } : { node, peer: m[2] });
    else if (m[3] !== undefined) ctx.emit(m[3] === 'leader' ? 'became-leader' : m[3] === 'candidate' ? 'became-candidate' : 'became-follower', { node });
    else ctx.emit('term-seen', { node, term: Number(m[4]) });
    return true;
  }
  if (SEAWEED_NO_LEADER.test(message) || message === 'No leader') {
    ctx.emit('leader-wait-timeout', { reason: 'topology leader unknown' });
    return true;
  }
  if ((m = SEAWEED_BECOMES_LEADER.exec(message))) {
    ctx.emit('became-leader', { node: m[2] });
    return true;
  }
  if ((m = SERVER_HEALTH.exec(message))) {
    ctx.emit('peer-unreachable', { peer: m[1], reason: 'server health probe failed' });
    return true;
  }
  if ((m = TIKV_SEND_FAIL.exec(message))) {
    const store = field(message, ctx.shape.json, 'store_id') ?? m[2];
    ctx.emit('peer-unreachable', { peer: m[1] ?? (store !== undefined ? `store ${store}` : undefined), reason: 'TiKV raft client cannot reach a store' });
    return true;
  }
  if ((m = OPENRAFT_RPC.exec(message))) {
    // The error names the node (its URL in openraft's examples) and how long requests to it have failed (`age: 64.6s`).
    const error = String(ctx.shape.json?.error ?? message);
    const peer = /url: \\?"([^"\\]+)/.exec(error)?.[1] ?? /target=(\S+)/.exec(message)?.[1];
    ctx.emit('peer-unreachable', { peer, durationMs: durationMs(/age: ([\d.]+m?s)/.exec(error)?.[1]), reason: `error sending ${m[1]} RPC` });
    return true;
  }
  if ((m = ROUTE_RETRY.exec(message))) {
    // The attempt number states how long the route has been failing: nats-server retries a route no
    // faster than once a second (DEFAULT_ROUTE_RECONNECT), so attempt N means at least N-1 seconds.
    const attempt = Number(m[1]);
    ctx.emit('peer-unreachable', { peer: m[2], durationMs: Math.max(0, attempt - 1) * ROUTE_RETRY_MIN_MS, reason: `route connect attempt ${attempt}` });
    return true;
  }
  if ((m = CONTACT.exec(message))) {
    ctx.emit('peer-unreachable', { peer: m[1], durationMs: durationMs(m[2]), reason: 'failed to contact' });
    return true;
  }
  if ((m = HIGHER_VOTE_REJECTED.exec(message))) {
    ctx.emit('vote-rejected', { peer: m[1]!.replace(/^\{(?:Voter|Nonvoter) \S+ |\}$/g, '') });
    return true;
  }
  if (NO_LEADER_ERROR.test(message)) {
    ctx.emit('dropped-proposal', { reason: 'no-leader' });
    return true;
  }
  if (SEND_TO_PEER.test(message) && /peer|member|raft/i.test(ctx.raw)) {
    const peer = field(message, ctx.shape.json, 'peer_id') ?? field(message, ctx.shape.json, 'peer') ?? /(?:peer|member|to)[ =:]+"?([\w.:-]+)/i.exec(message.replace(SEND_TO_PEER, ''))?.[1];
    ctx.emit('peer-unreachable', { peer, reason: 'failed to send message' });
    return true;
  }
  if (READ_INDEX_TIMEOUT.test(message)) {
    ctx.emit('leader-wait-timeout', { reason: 'request timed out' });
    return true;
  }
  if (KNOWN.some((pattern) => pattern.test(message) || pattern.test(ctx.shape.message))) {
    ctx.recognise();
    return true;
  }
  return false;
}

function peerOf(id: string | undefined, ctx: LineContext): string | undefined {
  const named = id ?? ctx.shape.json?.['remote-peer-id'] ?? ctx.shape.json?.['peer-id'];
  return typeof named === 'string' ? etcdId(named) : undefined;
}
