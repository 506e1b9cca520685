// The message vocabulary raft-rs and etcd-io/raft share (they descend from one design): role changes,
// elections, votes, dropped proposals, configurations. etcd names the node by a hex id at the start of
// the message; raft-rs carries it as the `raft_id` key (TiKV adds `region_id`, the Raft group).
import { etcdId, etcdVoters, field, numberField, raftRsVoters, withFields } from '../fields.js';
import type { EventProps, LineContext } from './context.js';
import type { Keyword } from '../keywords.js';

// Every line a pattern below matches contains one of these (the keyword prefilter, keywords.ts);
// ' at term ' is in BECAME, NO_LEADER_DROP, NODE_LEADER, CAST, REJECT and VOTE_RESP.
export const RAFT_CORE_KEYWORDS: readonly Keyword[] = [
  ' at term ',
  'a new election',
  'stepped down to follower',
  'promotable',
  'switched to configuration',
  'newRaft',
  'with higher term',
  'received votes response',
  'Sending from',
  'because it is unreachable',
  'is out of range',
  'A tick missed',
];
// raft-rs records name their node (raft_id, peer_id, [region R] P): with a term, any of them is term-seen.
// TiKV's raft client names the store it lost (`["connection aborted"] [addr=...] [store_id=N]`).
export const RAFT_RS_KEYWORDS: readonly Keyword[] = ['term', 'connection abort'];

const ID = '([0-9a-f]+|\\d+)';
const BECAME = new RegExp(`(?:^|[\\s\\[\\]:"])(?:${ID} )?became (leader|candidate|pre-candidate|follower) at term (\\d+)`);
const ELECTION = new RegExp(`(?:${ID} is )?starting a new election(?: at term (\\d+))?`);
const NO_LEADER_DROP = new RegExp(`(?:${ID} )?no leader at term (\\d+); dropping (proposal|read index msg|index reading msg)`);
const STEP_DOWN = new RegExp(`(?:${ID} )?stepped down to follower since quorum is not active`);
const UNPROMOTABLE = new RegExp(`(?:${ID} is unpromotable and can not campaign|received MsgTimeoutNow from \\S+ but is not promotable)`);
const SWITCHED = new RegExp(`(?:${ID} )?switched to configuration`);
const NEW_RAFT = /newRaft(?: ([0-9a-f]+) \[peers: \[([^\]]*)\], term: (\d+), commit: \d+, applied: \d+, lastindex: (\d+))?/;
const NODE_LEADER = /raft(?:\.node)?: (?:([0-9a-f]+) )?(?:elected leader ([0-9a-f]+)|changed leader from [0-9a-f]+ to ([0-9a-f]+)|lost leader ([0-9a-f]+)) at term (\d+)/;
const HIGHER_TERM = /(?:([0-9a-f]+) \[term: (\d+)\] )?received a (?:(\w+) )?message with higher term from ([0-9a-f]+)(?: \[term: (\d+)\])?/;
// raft-rs before 0.6 (TiKV 2.x/3.x) names the messages MsgRequestVote and MsgRequestPreVote.
const CAST = /(?:([0-9a-f]+) )?\[logterm: (\d+), index: \d+, vote: [0-9a-f]+\] (?:cast (?:(Msg(?:Request)?(?:Pre)?Vote) for|vote for)|voted for) ([0-9a-f]+) \[logterm: \d+, index: \d+\] at term (\d+)/;
const REJECT = /(?:([0-9a-f]+) )?\[logterm: (\d+), index: \d+, vote: [0-9a-f]+\] rejected (?:(Msg(?:Request)?(?:Pre)?Vote) from|vote from) ([0-9a-f]+) \[logterm: \d+, index: \d+\] at term (\d+)/;
const VOTE_RESP = /([0-9a-f]+) received (?:MsgVoteResp|MsgPreVoteResp|MsgRequestVoteResponse|MsgRequestPreVoteResponse)(?: rejection)? from ([0-9a-f]+) at term (\d+)/;
const SENDING = /Sending from (\d+) to (\d+)/;
/** etcd: `ID [logterm: L, index: I] sent MsgVote request to P at term T`; raft-rs names no id and logs the term as a key. */
const VOTE_REQUEST = /(?:([0-9a-f]+) )?\[logterm: (\d+), index: (\d+)\] sent (\w+) request to ([0-9a-f]+)(?: at term (\d+))?/;
const SEND_FAILED = /failed to send message to (\w+) because it is unreachable/;
const OUT_OF_RANGE = /(?:tocommit\((\d+)\) is out of range \[lastIndex\((\d+)\)\]|to_commit (\d+) is out of range \[last_index (\d+)\])/;
const TICK_MISSED = /A tick missed to fire/;
const REGION_TAG = /\[region (\d+)\] (\d+) /;
/** TiKV raft_client.rs: the gRPC stream to another store broke (the quoted message is the whole of it). */
const TIKV_CONNECTION_ABORTED = /(?:^|\[")connection abort(?:ed)?(?:"\]|$)/;

/** `hexIds`: etcd prints ids in hex; raft-rs in decimal (kept as written). */
export function interpretRaftCore(ctx: LineContext, hexIds: boolean): boolean {
  const { message, json } = ctx.shape;
  const normaliseId = (id: string | undefined): string | undefined => (id === undefined ? undefined : hexIds ? etcdId(id) : id);
  // raft-rs: the logger key raft_id names the node; TiKV's region_id (or the old "[region R] P" tag) the group.
  let self: string | undefined;
  let group: string | undefined;
  if (!hexIds) {
    self = field(message, json, 'raft_id') ?? field(message, json, 'peer_id');
    const region = field(message, json, 'region_id');
    const tag = REGION_TAG.exec(message);
    if (region !== undefined) group = `region-${region}`;
    else if (tag) {
      group = `region-${tag[1]}`;
      self = tag[2];
    }
  }
  const base = (id: string | undefined): EventProps => {
    const node = normaliseId(id) ?? self;
    const props: EventProps = {};
    if (node !== undefined) props.node = node;
    if (group !== undefined) props.group = group;
    return props;
  };
  const termKv = (): number | undefined => numberField(message, json, 'term');

  let m = BECAME.exec(message);
  if (m) {
    const kind = m[2] === 'leader' ? 'became-leader' : m[2] === 'candidate' ? 'became-candidate' : m[2] === 'pre-candidate' ? 'became-pre-candidate' : 'became-follower';
    ctx.emit(kind, { ...base(m[1]), term: Number(m[3]) });
    return true;
  }
  if ((m = ELECTION.exec(message))) {
    const term = m[2] !== undefined ? Number(m[2]) : termKv();
    ctx.emit('election-started', { ...base(m[1]), term });
    return true;
  }
  if ((m = NO_LEADER_DROP.exec(message))) {
    ctx.emit('dropped-proposal', { ...base(m[1]), term: Number(m[2]), reason: m[3] === 'proposal' ? 'no-leader' : 'no-leader-read' });
    return true;
  }
  if ((m = STEP_DOWN.exec(message))) {
    ctx.emit('quorum-lost', { ...base(m[1]), term: termKv(), reason: 'check-quorum' });
    return true;
  }
  if ((m = UNPROMOTABLE.exec(message))) {
    ctx.emit('not-promotable', { ...base(m[1]), term: termKv() });
    return true;
  }
  if ((m = NODE_LEADER.exec(message))) {
    const term = Number(m[5]);
    const leader = m[2] ?? m[3];
    if (leader !== undefined) ctx.emit('leader-known', { ...base(m[1]), peer: etcdId(leader), term });
    else ctx.emit('leader-lost', { ...base(m[1]), peer: etcdId(m[4]!), term });
    return true;
  }
  if ((m = SWITCHED.exec(message))) {
    const voters = hexIds ? etcdVoters(message) : (raftRsVoters(withFields(message, json)) ?? etcdVoters(message));
    // `voters=(...)` is etcd-raft's wording: marked, since etcd-raft logs an empty one at every member's start.
    if (voters !== undefined) ctx.emit('config', { ...base(m[1]), voters, ...(message.includes('voters=(') ? { reason: 'etcd-raft' } : {}) });
    else ctx.recognise();
    return true;
  }
  if ((m = NEW_RAFT.exec(message))) {
    const props = base(m[1]);
    if (m[1] !== undefined) {
      const peers = m[2]!.split(',').map((t) => t.trim()).filter((t) => t !== '').map(etcdId);
      ctx.emit('node-start', { ...props, term: Number(m[3]), lastIndex: Number(m[4]) });
      ctx.emit('peers-given', { ...props, voters: peers });
      ctx.emit('term-seen', { ...props, term: Number(m[3]) });
    } else {
      const lastIndex = numberField(message, json, 'last index') ?? numberField(message, json, 'last_index');
      ctx.emit('node-start', { ...props, term: termKv(), lastIndex });
      // raft-rs <= 0.5 printed `newRaft [peers: [11, 12, 13], term: 7, ...]`.
      const historic = /newRaft \[peers: \[([^\]]*)\]/.exec(message);
      const voters = raftRsVoters(withFields(message, json)) ?? historic?.[1]!.split(',').map((t) => t.trim()).filter((t) => t !== '');
      if (voters !== undefined) ctx.emit('peers-given', { ...props, voters });
      const term = termKv();
      if (term !== undefined) ctx.emit('term-seen', { ...props, term });
    }
    return true;
  }
  if ((m = CAST.exec(message))) {
    // The voter's own log term (the bracket before the verb): no leader reached it since that term.
    ctx.emit('vote-cast', { ...base(m[1]), peer: normaliseId(m[4]), term: Number(m[5]), logTerm: Number(m[2]), reason: m[3] ?? field(message, json, 'msg type') });
    ctx.emit('message-received', { ...base(m[1]), peer: normaliseId(m[4]) });
    return true;
  }
  if ((m = REJECT.exec(message))) {
    ctx.emit('vote-rejected', { ...base(m[1]), peer: normaliseId(m[4]), term: Number(m[5]), logTerm: Number(m[2]), reason: m[3] ?? field(message, json, 'msg type') });
    ctx.emit('message-received', { ...base(m[1]), peer: normaliseId(m[4]) });
    return true;
  }
  if ((m = HIGHER_TERM.exec(message))) {
    const from = m[4] ?? field(message, json, 'from');
    const term = m[5] !== undefined ? Number(m[5]) : numberField(message, json, 'message_term');
    // The node's own term until this message: when it was still current (elections counted by term rises).
    if (m[2] !== undefined) ctx.emit('term-seen', { ...base(m[1]), term: Number(m[2]) });
    ctx.emit('message-received', { ...base(m[1]), peer: normaliseId(from), term, reason: m[3] ?? field(message, json, 'msg type') });
    return true;
  }
  if ((m = VOTE_REQUEST.exec(message))) {
    const term = m[6] !== undefined ? Number(m[6]) : termKv();
    ctx.emit('vote-requested', { ...base(m[1]), peer: normaliseId(m[5]), term, logTerm: Number(m[2]), lastIndex: Number(m[3]), reason: m[4] });
    return true;
  }
  if ((m = VOTE_RESP.exec(message))) {
    // A candidate's own vote for itself is only recognised.
    if (m[1] !== m[2]) ctx.emit('message-received', { ...base(m[1]), peer: normaliseId(m[2]), term: Number(m[3]) });
    else ctx.recognise();
    return true;
  }
  if (message.includes('received votes response')) {
    ctx.emit('message-received', { ...base(undefined), peer: field(message, json, 'from'), term: termKv() });
    return true;
  }
  if ((m = SENDING.exec(message))) {
    ctx.emit('message-produced', { ...base(m[1]), peer: m[2] });
    return true;
  }
  if (!hexIds && TIKV_CONNECTION_ABORTED.test(message)) {
    // A store-level line: it names no Raft peer, only the store (and its address) the node cannot reach.
    const store = field(message, json, 'store_id');
    const addr = field(message, json, 'addr');
    const peer = store !== undefined ? `store ${store}${addr !== undefined ? ` (${addr})` : ''}` : addr;
    ctx.emit('peer-unreachable', { ...base(undefined), peer, reason: 'TiKV raft client connection aborted' });
    return true;
  }
  if ((m = SEND_FAILED.exec(message))) {
    ctx.emit('peer-unreachable', { ...base(undefined), peer: normaliseId(m[1]), reason: 'raft reported unreachable' });
    return true;
  }
  if ((m = OUT_OF_RANGE.exec(message))) {
    ctx.emit('log-out-of-range', { ...base(undefined), lastIndex: Number(m[2] ?? m[4]), reason: `commit ${m[1] ?? m[3]} beyond last index ${m[2] ?? m[4]}` });
    return true;
  }
  if (TICK_MISSED.test(message)) {
    ctx.emit('heartbeat-late', { ...base(undefined), reason: 'raft tick missed' });
    return true;
  }
  if (self !== undefined && !hexIds) {
    // Any other raft-rs record still tells us the node is alive at this term.
    const term = termKv();
    if (term !== undefined) ctx.emit('term-seen', { ...base(undefined), term });
  }
  return false;
}
