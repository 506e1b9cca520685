// The catalogue of chronik's own log lines (docs/logging.md): each fixed phrase with its level and its
// typed fields. The node's logger accepts only these (src/node/logger.ts), the core's typed events are
// rendered into them here, and diagnose's chronik interpreter reads them back by the same phrases.
import type { RaftEvent } from '../raft/events.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** How a field is written: numbers, strings and booleans as such, `ids` as a list of node ids. */
interface FieldTypes {
  number: number;
  string: string;
  boolean: boolean;
  ids: number[];
}
type FieldType = keyof FieldTypes;
export type FieldValue = FieldTypes[FieldType];

interface CatalogueEntry {
  level: LogLevel;
  /** Besides `node` and `term`, which every record carries. */
  fields: Readonly<Record<string, FieldType>>;
}

export const LOG_CATALOGUE = {
  'node starting': {
    level: 'info',
    fields: { listen: 'string', data_dir: 'string', voters: 'ids', learners: 'ids', commit: 'number', applied: 'number', last_index: 'number', snapshot_index: 'number', fresh: 'boolean' },
  },
  'bootstrapped membership': { level: 'info', fields: { voters: 'ids', members: 'string' } },
  'waiting to be added': { level: 'info', fields: { listen: 'string' } },
  listening: { level: 'info', fields: { listen: 'string', advertise: 'string' } },
  'not a voter; will not campaign': { level: 'warn', fields: { voters: 'ids', learners: 'ids' } },
  'peers differ from persisted membership': { level: 'warn', fields: { given: 'string', persisted: 'string' } },
  'became follower': { level: 'info', fields: { leader: 'number' } },
  'became pre-candidate': { level: 'info', fields: {} },
  'became candidate': { level: 'info', fields: {} },
  'became leader': { level: 'info', fields: {} },
  'starting election': { level: 'info', fields: { pre_vote: 'boolean', voters: 'ids', last_index: 'number', last_term: 'number' } },
  'cast vote': { level: 'info', fields: { candidate: 'number', pre_vote: 'boolean' } },
  'rejected vote': { level: 'info', fields: { candidate: 'number', pre_vote: 'boolean', reason: 'string' } },
  'leader changed': { level: 'info', fields: { leader: 'number', previous: 'number' } },
  'leader connection lost': { level: 'info', fields: { leader: 'number', campaign_in_ticks: 'number' } },
  'stepped down': { level: 'warn', fields: { reason: 'string' } },
  'membership applied': { level: 'info', fields: { index: 'number', change: 'string', voters: 'ids', learners: 'ids' } },
  'membership change rejected': { level: 'warn', fields: { change: 'string', reason: 'string' } },
  'proposal dropped': { level: 'warn', fields: { reason: 'string' } },
  'leadership transfer started': { level: 'info', fields: { to: 'number' } },
  'peer unreachable': { level: 'warn', fields: { peer: 'number', addr: 'string', error: 'string' } },
  'peer recovered': { level: 'info', fields: { peer: 'number', addr: 'string', down_for: 'string' } },
  'cluster ID mismatch': { level: 'error', fields: { peer: 'number', addr: 'string', cluster_id: 'string', expected: 'string' } },
  'adopted cluster ID': { level: 'info', fields: { cluster_id: 'string', leader: 'number' } },
  'committed entry conflict': { level: 'error', fields: { peer: 'number', index: 'number', local_term: 'number', leader_term: 'number' } },
  'message dropped': { level: 'debug', fields: { peer: 'number', reason: 'string', count: 'number' } },
  'wal fsync slow': { level: 'warn', fields: { duration: 'number', entries: 'number' } },
  'wal tail truncated': { level: 'warn', fields: { file: 'string', offset: 'number', bytes: 'number' } },
  'storage corrupt': { level: 'error', fields: { file: 'string', offset: 'number', reason: 'string' } },
  'storage failed': { level: 'error', fields: { error: 'string' } },
  'request failed': { level: 'error', fields: { error: 'string' } },
  'snapshot taken': {
    level: 'info',
    fields: { index: 'number', bytes: 'number', trigger: 'string', compacted_to: 'number', segments_removed: 'number', wal_bytes: 'number', duration: 'string' },
  },
  'snapshot abandoned': { level: 'info', fields: { index: 'number', reason: 'string' } },
  'snapshot send started': { level: 'info', fields: { peer: 'number', index: 'number' } },
  'snapshot sent': { level: 'info', fields: { peer: 'number', index: 'number', bytes: 'number', duration: 'string' } },
  'snapshot send failed': { level: 'warn', fields: { peer: 'number', index: 'number', error: 'string' } },
  'snapshot received': { level: 'info', fields: { peer: 'number', index: 'number', bytes: 'number' } },
  'snapshot installed': { level: 'info', fields: { index: 'number', snapshot_term: 'number', bytes: 'number' } },
  'tls certificates reloaded': { level: 'info', fields: { file: 'string' } },
  'tls reload failed, keeping the previous certificates': { level: 'warn', fields: { file: 'string', error: 'string' } },
  stopping: { level: 'info', fields: { signal: 'string' } },
} as const satisfies Record<string, CatalogueEntry>;

type Catalogue = typeof LOG_CATALOGUE;
export type LogPhrase = keyof Catalogue;
export const LOG_PHRASES = Object.keys(LOG_CATALOGUE) as LogPhrase[];

/** The phrases logged at one level: the logger's info() takes only info phrases, and so on. */
export type PhraseAt<L extends LogLevel> = { [P in LogPhrase]: Catalogue[P]['level'] extends L ? P : never }[LogPhrase];

/** The fields a phrase is logged with, typed. */
export type LogFieldsOf<P extends LogPhrase> = { -readonly [K in keyof Catalogue[P]['fields']]: FieldTypes[Catalogue[P]['fields'][K] & FieldType] };

/** Every field name the catalogue knows, `node` and `term` included: what a reader may look up. */
export type LogFieldName = 'node' | 'term' | { [P in LogPhrase]: keyof Catalogue[P]['fields'] & string }[LogPhrase];

/** One record ready to be written: phrase, its catalogue level, node and term, then the phrase's fields. */
export interface LogRecord {
  level: LogLevel;
  msg: LogPhrase;
  fields: Record<string, FieldValue>;
}

export function logRecord<P extends LogPhrase>(msg: P, fields: LogFieldsOf<P>, base: { node: number; term: number }): LogRecord {
  return { level: LOG_CATALOGUE[msg].level, msg, fields: { ...base, ...(fields as Record<string, FieldValue>) } };
}

/** The catalogue line for one of the core's events. */
export function eventRecord(event: RaftEvent): LogRecord {
  const base = { node: event.node, term: event.term };
  switch (event.type) {
    case 'became-follower':
      return logRecord('became follower', { leader: event.leader }, base);
    case 'became-pre-candidate':
      return logRecord('became pre-candidate', {}, base);
    case 'became-candidate':
      return logRecord('became candidate', {}, base);
    case 'became-leader':
      return logRecord('became leader', {}, base);
    case 'starting-election':
      return logRecord('starting election', { pre_vote: event.preVote, voters: event.voters, last_index: event.lastIndex, last_term: event.lastTerm }, base);
    case 'cast-vote':
      return logRecord('cast vote', { candidate: event.candidate, pre_vote: event.preVote }, base);
    case 'rejected-vote':
      return logRecord('rejected vote', { candidate: event.candidate, pre_vote: event.preVote, reason: event.reason }, base);
    case 'leader-changed':
      return logRecord('leader changed', { leader: event.leader, previous: event.previous }, base);
    case 'leader-connection-lost':
      return logRecord('leader connection lost', { leader: event.leader, campaign_in_ticks: event.campaignInTicks }, base);
    case 'stepped-down':
      return logRecord('stepped down', { reason: event.reason }, base);
    case 'membership-applied':
      return logRecord('membership applied', { index: event.index, change: event.change, voters: event.voters, learners: event.learners }, base);
    case 'membership-change-rejected':
      return logRecord('membership change rejected', { change: event.change, reason: event.reason }, base);
    case 'proposal-dropped':
      return logRecord('proposal dropped', { reason: event.reason }, base);
    case 'not-a-voter':
      return logRecord('not a voter; will not campaign', { voters: event.voters, learners: event.learners }, base);
    case 'leadership-transfer-started':
      return logRecord('leadership transfer started', { to: event.to }, base);
    case 'committed-entry-conflict':
      return logRecord('committed entry conflict', { peer: event.peer, index: event.index, local_term: event.localTerm, leader_term: event.leaderTerm }, base);
  }
}
