// chronik's own log lines, text or JSON, read by the catalogue the node writes them from
// (src/shared/log-catalogue.ts): fixed lower-case phrases with `node` and `term` on every record.
import type { LogFieldName, LogPhrase } from '../../shared/log-catalogue.js';
import { durationMs, field, idList, numberField } from '../fields.js';
import type { EventProps, LineContext } from './context.js';
import type { Keyword } from '../keywords.js';

/**
 * The catalogue's phrases this interpreter reacts to, the only lines of a chronik log diagnose reads:
 * only catalogue phrases compile here, and the switch below only compiles with phrases listed here.
 */
const CHRONIK_PHRASES = [
  'node starting',
  'bootstrapped membership',
  'peers differ from persisted membership',
  'waiting to be added',
  'not a voter; will not campaign',
  'became follower',
  'became pre-candidate',
  'became candidate',
  'became leader',
  'starting election',
  'cast vote',
  'rejected vote',
  'leader changed',
  'stepped down',
  'membership applied',
  'proposal dropped',
  'peer unreachable',
  'peer recovered',
  'cluster ID mismatch',
  'adopted cluster ID',
  'committed entry conflict',
  'message dropped',
  'wal fsync slow',
  'storage corrupt',
  'wal tail truncated',
  'stopping',
] as const satisfies readonly LogPhrase[];
type ChronikPhrase = (typeof CHRONIK_PHRASES)[number];
export const CHRONIK_KEYWORDS: readonly Keyword[] = CHRONIK_PHRASES;

/**
 * A field of a text line as the node's logger writes it: `key=` then a bare token up to the next space
 * (member lists like `1@h:p,2@h:p` included, which the generic reader would cut at the comma) or a
 * JSON string.
 */
function textField(text: string, key: string): string | undefined {
  const match = new RegExp(`(?:^| )${key}=("(?:[^"\\\\]|\\\\.)*"|\\S*)`).exec(text);
  if (match === null) return undefined;
  const value = match[1] as string;
  if (!value.startsWith('"')) return value;
  try {
    return JSON.parse(value) as string;
  } catch {
    return value.slice(1, -1);
  }
}

export function interpretChronik(ctx: LineContext, lastVoters: Map<string, string>): boolean {
  const { json } = ctx.shape;
  // Text lines: the message is the phrase before the first key=value.
  const text = ctx.shape.message;
  const equals = text.indexOf('=');
  const phrase = json !== undefined ? String(json.msg ?? '') : (equals < 0 ? text : text.slice(0, text.lastIndexOf(' ', equals))).trim();
  const get = (key: LogFieldName): string | undefined => (json !== undefined ? field(text, json, key) : textField(text, key));
  const node = get('node');
  const term = numberField(text, json, 'term');
  const base: EventProps = {};
  if (node !== undefined) base.node = node;
  if (term !== undefined) base.term = term;
  const voters = (): string[] | undefined => {
    const raw = get('voters');
    return raw === undefined ? undefined : idList(raw);
  };

  switch (phrase as ChronikPhrase) {
    case 'node starting': {
      ctx.emit('node-start', { ...base, lastIndex: numberField(text, json, 'last_index') });
      const v = voters();
      if (v !== undefined) ctx.emit('config', { ...base, voters: v });
      return true;
    }
    case 'bootstrapped membership': {
      const v = voters();
      if (v !== undefined) {
        ctx.emit('peers-given', { ...base, voters: v });
        ctx.emit('config', { ...base, voters: v });
      }
      return true;
    }
    case 'peers differ from persisted membership': {
      const given = get('given');
      if (given !== undefined) ctx.emit('peers-given', { ...base, voters: idList(given) });
      return true;
    }
    case 'waiting to be added':
      return true;
    case 'not a voter; will not campaign':
      ctx.emit('not-promotable', { ...base, voters: voters(), reason: 'not a voter' });
      return true;
    case 'became follower': {
      ctx.emit('became-follower', base);
      const leader = get('leader');
      if (leader !== undefined && leader !== '0') ctx.emit('leader-known', { ...base, peer: leader });
      return true;
    }
    // chronik logs `starting election` for each phase (pre-vote, then vote): those lines count the
    // attempts, the role lines around them do not.
    case 'became pre-candidate':
      ctx.emit('became-pre-candidate', { ...base, reason: 'role-only' });
      return true;
    case 'became candidate':
      ctx.emit('became-candidate', { ...base, reason: 'role-only' });
      return true;
    case 'became leader':
      ctx.emit('became-leader', base);
      return true;
    case 'starting election':
      ctx.emit('election-started', { ...base, reason: get('pre_vote') === 'true' ? 'pre-vote' : 'vote-phase' });
      return true;
    case 'cast vote':
      ctx.emit('vote-cast', { ...base, peer: get('candidate'), reason: get('pre_vote') === 'true' ? 'pre-vote' : 'vote-phase' });
      ctx.emit('message-received', { ...base, peer: get('candidate') });
      return true;
    case 'rejected vote':
      ctx.emit('vote-rejected', { ...base, peer: get('candidate'), reason: get('reason') });
      ctx.emit('message-received', { ...base, peer: get('candidate') });
      return true;
    case 'leader changed': {
      const leader = get('leader');
      if (leader === undefined || leader === '0') ctx.emit('leader-lost', { ...base, peer: get('previous') });
      else ctx.emit('leader-known', { ...base, peer: leader });
      return true;
    }
    case 'stepped down': {
      const reason = get('reason');
      if (reason === 'check-quorum') ctx.emit('quorum-lost', { ...base, reason });
      else if (reason === 'removed') ctx.emit('removed-member', { ...base, reason });
      return true;
    }
    case 'membership applied': {
      const raw = get('voters');
      if (raw === undefined || lastVoters.get(node ?? '') === raw) return true;
      lastVoters.set(node ?? '', raw);
      ctx.emit('config', { ...base, voters: idList(raw) });
      return true;
    }
    case 'proposal dropped':
      ctx.emit('dropped-proposal', { ...base, reason: get('reason') ?? 'no-leader' });
      return true;
    case 'peer unreachable':
      ctx.emit('peer-unreachable', { ...base, peer: get('peer'), reason: get('error') });
      return true;
    case 'peer recovered':
      ctx.emit('peer-recovered', { ...base, peer: get('peer') });
      return true;
    case 'cluster ID mismatch': {
      // Our own cluster, then the refused member of the other one.
      const expected = get('expected');
      if (expected !== undefined) ctx.emit('cluster-id', { ...base, clusterId: expected });
      ctx.emit('cluster-id-mismatch', { ...base, peer: get('peer'), reason: get('cluster_id') });
      return true;
    }
    case 'adopted cluster ID': {
      const id = get('cluster_id');
      if (id !== undefined) ctx.emit('cluster-id', { ...base, clusterId: id });
      return true;
    }
    case 'committed entry conflict':
      ctx.emit('committed-entry-conflict', { ...base, peer: get('peer'), lastIndex: numberField(text, json, 'index'), reason: `term ${get('local_term') ?? '?'} here, ${get('leader_term') ?? '?'} from the leader` });
      return true;
    case 'message dropped':
      // Messages the core produced for a peer whose address this node does not know: never sent.
      ctx.emit('message-produced', { ...base, peer: get('peer'), reason: get('reason') });
      return true;
    case 'wal fsync slow':
      ctx.emit('slow-disk', { ...base, durationMs: durationMs(get('duration')), reason: 'wal fsync' });
      return true;
    case 'storage corrupt':
    case 'wal tail truncated':
      return true;
    case 'stopping':
      ctx.emit('node-stop', base);
      return true;
    default:
      if (term !== undefined && node !== undefined) ctx.emit('term-seen', base);
      return false;
  }
}
