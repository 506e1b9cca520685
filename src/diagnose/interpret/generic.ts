// Lines any Raft-embedding server writes in its own words: leader-wait timeouts, "No cluster leader"
// errors, shutdown signals, peer lists given at start, slow fsyncs.
import { durationMs, field, idList } from '../fields.js';
import type { LineContext } from './context.js';
import type { Keyword } from '../keywords.js';

// Every line a pattern below matches contains one of these (for patterns that ignore case: written in
// lower case or with a capital first letter; all-capitals messages are not looked for).
export const GENERIC_STOP_KEYWORDS: readonly Keyword[] = ['signal', 'Signal', 'hutting down', 'shutdown', 'closing etcd server'];
export const GENERIC_KEYWORDS: readonly Keyword[] = [
  'did not complete',
  ' elected',
  'aiting for',
  'No cluster leader',
  ...GENERIC_STOP_KEYWORDS,
  'fsync',
  'Fsync',
  'fdatasync',
  'Fdatasync',
  'peers',
  'Peers',
];

const LEADER_WAIT = /leader election did not complete|no leader (?:was )?elected|waiting for (?:a )?(?:raft )?leader|has not elected a leader|leader not (?:yet )?elected/i;
const NO_CLUSTER_LEADER = /No cluster leader/;
const STOP = /received (?:\w+ )?signal|caught signal|Caught: signal|\bshutting down\b|Gracefully shutting down|graceful shutdown|closing etcd server/i;
const PEERS_LIST = /\b(?:initial[ _-]?peers|peers)\s*[:=]\s*\[([^\]]*)\]/i;
const SLOW_FSYNC = /(?:slow|took)[^\n]{0,40}f(?:data)?sync|f(?:data)?sync[^\n]{0,40}(?:slow|took)/i;

export function interpretGeneric(ctx: LineContext): void {
  const message = ctx.shape.message;
  if (LEADER_WAIT.test(message)) {
    ctx.emit('leader-wait-timeout');
    return;
  }
  if (NO_CLUSTER_LEADER.test(message)) {
    ctx.emit('leader-wait-timeout', { reason: 'no cluster leader' });
    return;
  }
  if (STOP.test(message) && !/stepping down|stepped down/.test(message)) {
    ctx.emit('node-stop');
    return;
  }
  if (SLOW_FSYNC.test(message)) {
    ctx.emit('slow-disk', { durationMs: durationMs(field(message, ctx.shape.json, 'took') ?? field(message, ctx.shape.json, 'duration') ?? message) });
    return;
  }
  if (!message.includes('newRaft')) {
    const peers = PEERS_LIST.exec(message);
    if (peers && /^[\s\d@.:,\w-]*$/.test(peers[1]!)) {
      const ids = idList(peers[1]!);
      if (ids.every((id) => /^\d+$/.test(id))) ctx.emit('peers-given', { voters: ids });
    }
  }
}
