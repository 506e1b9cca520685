// hashicorp/raft as Consul, Nomad and Vault log it through hclog (text or JSON), and the pre-hclog
// `[INFO] raft: ...` wording of Consul <= 1.6 / Nomad <= 0.9. Nodes are named by their Raft address.
import { durationMs, field, hashicorpServers } from '../fields.js';
import type { LineContext } from './context.js';
import type { Keyword } from '../keywords.js';

// Every line a branch below reacts to contains one of these (hclog lower-cases nothing, so both
// capitals where the patterns ignore case).
export const HASHICORP_KEYWORDS: readonly Keyword[] = [
  'nitial configuration',
  'pdating configuration',
  'ntering follower state',
  'ntering Follower state',
  'ntering candidate state',
  'ntering Candidate state',
  'ntering leader state',
  'ntering Leader state',
  'lection won',
  'tarting election',
  'known peers',
  'stable configuration',
  'ailed to contact',
  'ailed to make',
  'ailed to pipeline',
  'ailed to start pipeline',
  'ailed to send snapshot',
  'ppendEntries to',
  'eartbeat to',
  'ipelining replication',
  'vote request',
  'New leader elected',
  'xpected number of peers',
  'No cluster leader',
];
// Lines that only name the node (`Node at ADDR [Follower]`): read until the stream knows it.
export const HASHICORP_IDENTITY_KEYWORDS: readonly Keyword[] = ['Node at '];

const NODE_AT = /Node at ([^\s\]"]+) \[(Follower|Candidate|Leader)\]/;
// An embedder reporting raft's String() and its peers when the role changes (InfluxDB 0.10's metastore):
// `Node at localhost:8088 [Leader]. peers=[influxdb01:8088 localhost:8088]`.
const ROLE_REPORT = /^Node at ([^\s\]"]+) \[(Follower|Candidate|Leader)\]\. peers=\[/;
const LEGACY_CANDIDATE_TERM = /entering Candidate state in term (\d+)/;
const LEGACY_LEADER = /entering Follower state \(Leader: "([^"]*)"\)/;
const LEGACY_TARGET = /(?:RPC|AppendEntries|heartbeat) to ([\w.-]+:\d+)/i;
const VOTER_TARGET = /\{(?:Voter|Nonvoter) (\S+) ([^\s}]+)\}/;

export interface HashicorpState {
  /** Term of the last candidacy, which hashicorp does not repeat when it enters leader state. */
  candidateTerm?: number;
  /** The role an embedder last reported with raft's String() (`Node at ADDR [Leader]. peers=[...]`). */
  reportedRole?: string;
}

export function interpretHashicorp(ctx: LineContext, state: HashicorpState): void {
  const { json } = ctx.shape;
  // hclog text puts the logger name first ("agent.server.raft: "); legacy lines use "raft: ".
  const message = ctx.shape.message.replace(/^(?:\S+\.go:\d+: )*(?:[\w.-]+: )*/, '');
  const fieldOf = (key: string): string | undefined => field(message, json, key);
  // Text lines carry `follower="Node at ADDR [Follower]"` inline; JSON lines in the follower/node/leader keys.
  const nodeAt = NODE_AT.exec(message) ?? NODE_AT.exec(String(json?.follower ?? json?.node ?? json?.leader ?? ''));
  if (nodeAt) ctx.identify(nodeAt[1]!);
  const lower = message.toLowerCase();
  let m: RegExpExecArray | null;

  if (lower.startsWith('initial configuration')) {
    const voters = serverVoters(message, json);
    ctx.emit('node-start');
    if (voters) ctx.emit('config', { voters, reason: 'initial' });
    return;
  }
  if (lower.startsWith('updating configuration')) {
    const voters = serverVoters(message, json);
    if (voters) ctx.emit('config', { voters });
    return;
  }
  if ((m = ROLE_REPORT.exec(message))) {
    // Only a change of role is an event: the same report again says nothing new.
    if (state.reportedRole !== m[2]) ctx.emit(m[2] === 'Leader' ? 'became-leader' : m[2] === 'Candidate' ? 'became-candidate' : 'became-follower');
    else ctx.recognise();
    state.reportedRole = m[2];
    return;
  }
  if (/entering follower state/i.test(message)) {
    ctx.emit('became-follower');
    const leader = fieldOf('leader-address') ?? fieldOf('leader') ?? LEGACY_LEADER.exec(message)?.[1];
    if (leader !== undefined && leader !== '') ctx.emit('leader-known', { peer: leader });
    return;
  }
  if (/entering candidate state/i.test(message)) {
    const term = Number(fieldOf('term') ?? LEGACY_CANDIDATE_TERM.exec(message)?.[1] ?? NaN);
    if (Number.isFinite(term)) state.candidateTerm = term;
    ctx.emit('became-candidate', Number.isFinite(term) ? { term } : {});
    return;
  }
  if (/^election won/i.test(message)) {
    const term = Number(fieldOf('term') ?? NaN);
    if (Number.isFinite(term)) state.candidateTerm = term;
    return;
  }
  if (/entering leader state/i.test(message)) {
    ctx.emit('became-leader', state.candidateTerm !== undefined ? { term: state.candidateTerm } : {});
    return;
  }
  if (/heartbeat timeout (?:from "[^"]*" )?reached, starting election|election timeout reached, restarting election|pre-vote successful, starting election/i.test(message)) {
    // "Restarting": the election before this one timed out without a leader.
    ctx.emit('election-started', /restarting election/i.test(message) ? { reason: 'restart' } : {});
    return;
  }
  if (/no known peers, aborting election|not part of stable configuration, aborting election|not part of a stable configuration or a non-voter|EnableSingleNode disabled, and no known peers/i.test(message)) {
    const noPeers = /no known peers/i.test(message);
    // No known peers: the node's configuration holds no server at all, itself included.
    if (noPeers) ctx.emit('config', { voters: [], reason: 'no known peers' });
    ctx.emit('not-promotable', { reason: noPeers ? 'no known peers' : 'not in the stable configuration' });
    return;
  }
  if (/failed to contact quorum of nodes, stepping down/i.test(message)) {
    ctx.emit('quorum-lost', { reason: 'failed to contact quorum' });
    return;
  }
  if ((m = /^failed to contact(?: (\S+) in (\S+))?/i.exec(message))) {
    // The leader says how long the peer has not answered (`time=`, or `in 353h48m35s` before hclog).
    ctx.emit('peer-unreachable', { peer: fieldOf('server-id') ?? m[1], durationMs: durationMs(fieldOf('time') ?? m[2]), reason: 'failed to contact' });
    return;
  }
  if ((m = /failed to make requestVote RPC|failed to appendEntries to|failed to heartbeat to|failed to pipeline appendEntries|failed to start pipeline replication to|failed to send snapshot to/i.exec(message))) {
    ctx.emit('peer-unreachable', { peer: peerAddress(message, json), reason: m[0].toLowerCase() });
    return;
  }
  if (/^pipelining replication/i.test(message)) {
    // Replication to the peer works again: the end of its unreachable spell.
    ctx.emit('peer-recovered', { peer: peerAddress(message, json) });
    return;
  }
  if (/rejecting (?:pre-)?vote request since node is not (?:in configuration|a voter)/i.test(message)) {
    ctx.emit('removed-member', { peer: fieldOf('from') });
    return;
  }
  if ((m = /rejecting (?:pre-)?vote request(?: from (\S+?):? since)?/i.exec(message))) {
    // Legacy lines name the candidate inline: `Rejecting vote request from 10.0.0.7:8300 since our last index is greater`.
    ctx.emit('vote-rejected', { peer: fieldOf('from') ?? fieldOf('candidate') ?? m[1] });
    return;
  }
  if ((m = /^New leader elected(?:: (\S+))?/.exec(message))) {
    // Consul and Nomad servers name the leader they follow (followers log nothing else about it).
    const leader = fieldOf('payload') ?? m[1]?.replace(/^payload=/, '');
    if (leader !== undefined && leader !== '') ctx.emit('leader-known', { peer: leader });
    return;
  }
  if ((m = /expected number of peers, attempting bootstrap:? (?:peers=)?"?([^"\s]+)/i.exec(message))) {
    // bootstrap_expect reached: these servers become the first voters.
    ctx.emit('config', { voters: m[1]!.split(',').filter((p) => p !== ''), reason: 'bootstrap' });
    return;
  }
  // The product's own request failed for want of a leader: what it reports is the missing leader.
  if (/No cluster leader/.test(message)) ctx.emit('leader-wait-timeout', { reason: 'no cluster leader' });
}

/** Voter addresses of a `servers` value: `%+v` text, or JSON objects when hclog writes JSON. */
function serverVoters(message: string, json: Record<string, unknown> | undefined): string[] | undefined {
  const servers = json?.servers;
  if (Array.isArray(servers)) {
    return servers
      .filter((s: { Suffrage?: unknown }) => s.Suffrage === 0 || s.Suffrage === 'Voter')
      .map((s: { Address?: unknown; ID?: unknown }) => String(s.Address ?? s.ID));
  }
  return hashicorpServers(typeof servers === 'string' ? servers : message)?.voters;
}

/** The peer of a replication or vote line: `{Voter id addr}` text, a JSON server object, or a bare address. */
function peerAddress(message: string, json: Record<string, unknown> | undefined): string | undefined {
  for (const key of ['target', 'peer']) {
    const value = json?.[key];
    if (value !== null && typeof value === 'object' && 'Address' in value) return String((value as { Address: unknown }).Address);
  }
  const text = field(message, json, 'target') ?? field(message, json, 'peer') ?? message;
  return VOTER_TARGET.exec(text)?.[2] ?? (/^[\w.-]+:\d+$/.test(text) ? text : (VOTER_TARGET.exec(message)?.[2] ?? LEGACY_TARGET.exec(message)?.[1]));
}
