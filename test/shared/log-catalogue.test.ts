// The log catalogue round trip: every entry is written through the node's real logger, in text and in
// JSON, and diagnose reads back the event it stands for (or, said so here, nothing). Also: the logger
// accepts only catalogue phrases at their level with their fields, the core's events render into
// catalogue lines, and docs/logging.md lists the catalogue as it is.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnose/index.js';
import type { RaftEvent as DiagnoseEvent } from '../../src/diagnose/model.js';
import { SourceScanner } from '../../src/diagnose/scan.js';
import { Logger, type LogFormat } from '../../src/node/logger.js';
import type { RaftEvent } from '../../src/raft/index.js';
import { LOG_CATALOGUE, LOG_PHRASES, eventRecord, type LogFieldsOf, type LogPhrase } from '../../src/shared/log-catalogue.js';

const NODE = 4;
const TERM = 6;
type Expected = Partial<Omit<DiagnoseEvent, 'evidence' | 'group' | 'time'>>;

/** Per catalogue entry: the fields it is logged with, and the events diagnose must read from the line. */
type Samples = { [P in LogPhrase]: { fields: LogFieldsOf<P>; reads: Expected[] } };

const id = (n: number): string => String(n);
const node = { node: id(NODE), term: TERM };
const ERROR = 'connect ECONNREFUSED 127.0.0.1:9193';

const SAMPLES: Samples = {
  'node starting': {
    fields: { listen: '127.0.0.1:9195', data_dir: '/var/lib/chronik data', voters: [1, 2, 4], learners: [], commit: 7, applied: 7, last_index: 9, snapshot_index: 0, fresh: false },
    reads: [{ kind: 'node-start', ...node, lastIndex: 9 }, { kind: 'config', ...node, voters: ['1', '2', '4'] }],
  },
  'bootstrapped membership': {
    fields: { voters: [1, 2, 4], members: '1@10.0.0.1:9192,2@10.0.0.2:9192,4@10.0.0.4:9192' },
    reads: [{ kind: 'peers-given', ...node, voters: ['1', '2', '4'] }, { kind: 'config', ...node, voters: ['1', '2', '4'] }],
  },
  'waiting to be added': { fields: { listen: '127.0.0.1:9195' }, reads: [] },
  listening: { fields: { listen: '127.0.0.1:9195', advertise: '10.0.0.4:9195' }, reads: [] },
  'not a voter; will not campaign': { fields: { voters: [1, 2], learners: [4] }, reads: [{ kind: 'not-promotable', ...node, voters: ['1', '2'], reason: 'not a voter' }] },
  'peers differ from persisted membership': {
    fields: { given: '1@10.0.0.1:9192,4@10.0.0.4:9192', persisted: '1@10.0.0.1:9192,2@10.0.0.2:9192,4@10.0.0.4:9192' },
    reads: [{ kind: 'peers-given', ...node, voters: ['1', '4'] }],
  },
  'became follower': { fields: { leader: 2 }, reads: [{ kind: 'became-follower', ...node }, { kind: 'leader-known', ...node, peer: '2' }] },
  // `starting election` counts the attempts; the role lines say only the role.
  'became pre-candidate': { fields: {}, reads: [{ kind: 'became-pre-candidate', ...node, reason: 'role-only' }] },
  'became candidate': { fields: {}, reads: [{ kind: 'became-candidate', ...node, reason: 'role-only' }] },
  'became leader': { fields: {}, reads: [{ kind: 'became-leader', ...node }] },
  'starting election': { fields: { pre_vote: true, voters: [1, 2, 4], last_index: 9, last_term: 5 }, reads: [{ kind: 'election-started', ...node, reason: 'pre-vote' }] },
  'cast vote': { fields: { candidate: 2, pre_vote: false }, reads: [{ kind: 'vote-cast', ...node, peer: '2', reason: 'vote-phase' }, { kind: 'message-received', ...node, peer: '2' }] },
  'rejected vote': {
    fields: { candidate: 2, pre_vote: true, reason: 'log behind' },
    reads: [{ kind: 'vote-rejected', ...node, peer: '2', reason: 'log behind' }, { kind: 'message-received', ...node, peer: '2' }],
  },
  'leader changed': { fields: { leader: 0, previous: 2 }, reads: [{ kind: 'leader-lost', ...node, peer: '2' }] },
  'leader connection lost': { fields: { leader: 2, campaign_in_ticks: 3 }, reads: [] },
  'stepped down': { fields: { reason: 'check-quorum' }, reads: [{ kind: 'quorum-lost', ...node, reason: 'check-quorum' }] },
  'membership applied': { fields: { index: 12, change: 'add-learner 5@127.0.0.1:9196', voters: [1, 2, 4], learners: [5] }, reads: [{ kind: 'config', ...node, voters: ['1', '2', '4'] }] },
  'membership change rejected': { fields: { change: 'remove 1', reason: 'would leave no voters' }, reads: [] },
  'proposal dropped': { fields: { reason: 'no-leader' }, reads: [{ kind: 'dropped-proposal', ...node, reason: 'no-leader' }] },
  'leadership transfer started': { fields: { to: 2 }, reads: [] },
  'peer unreachable': { fields: { peer: 2, addr: '10.0.0.2:9192', error: ERROR }, reads: [{ kind: 'peer-unreachable', ...node, peer: '2', reason: ERROR }] },
  'peer recovered': { fields: { peer: 2, addr: '10.0.0.2:9192', down_for: '12.5s' }, reads: [{ kind: 'peer-recovered', ...node, peer: '2' }] },
  'cluster ID mismatch': {
    fields: { peer: 7, addr: '10.0.9.7:9192', cluster_id: '5e1f0b9c2d7a4e83', expected: '8a1d3f0c6e2b9475' },
    reads: [{ kind: 'cluster-id', ...node, clusterId: '8a1d3f0c6e2b9475' }, { kind: 'cluster-id-mismatch', ...node, peer: '7', reason: '5e1f0b9c2d7a4e83' }],
  },
  'adopted cluster ID': { fields: { cluster_id: '8a1d3f0c6e2b9475', leader: 1 }, reads: [{ kind: 'cluster-id', ...node, clusterId: '8a1d3f0c6e2b9475' }] },
  'committed entry conflict': {
    fields: { peer: 2, index: 3, local_term: 2, leader_term: 1 },
    reads: [{ kind: 'committed-entry-conflict', ...node, peer: '2', lastIndex: 3, reason: 'term 2 here, 1 from the leader' }],
  },
  'message dropped': { fields: { peer: 5, reason: 'no-address', count: 3 }, reads: [{ kind: 'message-produced', ...node, peer: '5', reason: 'no-address' }] },
  'wal fsync slow': { fields: { duration: 850, entries: 40 }, reads: [{ kind: 'slow-disk', ...node, durationMs: 850, reason: 'wal fsync' }] },
  'wal tail truncated': { fields: { file: 'wal/0000000000000001.wal', offset: 4096, bytes: 17 }, reads: [] },
  'storage corrupt': { fields: { file: 'wal/0000000000000001.wal', offset: 4096, reason: 'crc mismatch' }, reads: [] },
  'storage failed': { fields: { error: 'ENOSPC: no space left on device, write' }, reads: [] },
  'request failed': { fields: { error: 'socket hang up' }, reads: [] },
  'snapshot taken': { fields: { index: 10000, bytes: 52311, trigger: 'entries', compacted_to: 5000, segments_removed: 2, wal_bytes: 1048576, duration: '120ms' }, reads: [] },
  // Read for its keyword `stopping`: not the node stopping, but the node alive at this term.
  'snapshot abandoned': { fields: { index: 10000, reason: 'stopping' }, reads: [{ kind: 'term-seen', ...node }] },
  'snapshot send started': { fields: { peer: 2, index: 10000 }, reads: [] },
  'snapshot sent': { fields: { peer: 2, index: 10000, bytes: 52311, duration: '1.2s' }, reads: [] },
  'snapshot send failed': { fields: { peer: 2, index: 10000, error: ERROR }, reads: [] },
  'snapshot received': { fields: { peer: 1, index: 10000, bytes: 52311 }, reads: [] },
  'snapshot installed': { fields: { index: 10000, snapshot_term: 5, bytes: 52311 }, reads: [] },
  'tls certificates reloaded': { fields: { file: '/etc/chronik/node1.pem' }, reads: [] },
  'tls reload failed, keeping the previous certificates': { fields: { file: '/etc/chronik/node1-key.pem', error: 'cannot read --key-file /etc/chronik/node1-key.pem: ENOENT' }, reads: [] },
  stopping: { fields: { signal: 'SIGTERM' }, reads: [{ kind: 'node-stop', ...node }] },
};

/** Writes every entry through the real logger, one line each in catalogue order. */
function writeCatalogue(format: LogFormat): string {
  const file = join(mkdtempSync(join(tmpdir(), 'chronik-catalogue-')), `node-${NODE}.${format}.log`);
  const logger = new Logger({ format, file, minLevel: 'debug' }, NODE);
  logger.context.term = TERM;
  for (const phrase of LOG_PHRASES) {
    const { level } = LOG_CATALOGUE[phrase];
    // The typed methods take only their level's phrases; the loop goes through the same door per level.
    const write = logger[level] as (msg: LogPhrase, fields: object) => void;
    write.call(logger, phrase, SAMPLES[phrase].fields);
  }
  logger.close();
  return file;
}

/** What diagnose reads from the file, by line: the real scanner with its keyword prefilter. */
function readBack(file: string): { dialect: string; byLine: Map<number, DiagnoseEvent[]> } {
  const byLine = new Map<number, DiagnoseEvent[]>();
  const scanner = new SourceScanner(file, { handle: (e) => byLine.set(e.evidence.line, [...(byLine.get(e.evidence.line) ?? []), e]), endOfStream: () => undefined });
  return { dialect: scanner.scanFile(file).dialect, byLine };
}

describe('log catalogue round trip', () => {
  it.each<LogFormat>(['text', 'json'])('%s: diagnose reads back what every entry stands for', (format) => {
    const file = writeCatalogue(format);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(LOG_PHRASES.length);
    const { dialect, byLine } = readBack(file);
    expect(dialect).toBe(format === 'json' ? 'chronik-json' : 'chronik-text');
    LOG_PHRASES.forEach((phrase, i) => {
      const line = lines[i] as string;
      expect(line, phrase).toContain(format === 'json' ? `"msg":${JSON.stringify(phrase)}` : ` ${phrase} node=${NODE} term=${TERM}`);
      const read = (byLine.get(i + 1) ?? []).map(({ kind, node: n, term, peer, voters, reason, clusterId, durationMs, lastIndex }) =>
        Object.fromEntries(Object.entries({ kind, node: n, term, peer, voters, reason, clusterId, durationMs, lastIndex }).filter(([, v]) => v !== undefined)),
      );
      expect(read, `${phrase}: ${line}`).toEqual(SAMPLES[phrase].reads);
    });
  });

  it.each<LogFormat>(['text', 'json'])('%s: a refused member of another cluster is a CLUSTER_ID_MISMATCH finding', async (format) => {
    const report = await diagnose([writeCatalogue(format)]);
    const finding = report.findings.find((f) => f.code === 'CLUSTER_ID_MISMATCH');
    expect(finding?.summary).toBe(`node ${NODE} (cluster 8a1d3f0c6e2b9475) exchanged messages with a member of a different cluster (1 rejection(s))`);
  });
});

describe('log catalogue', () => {
  it('renders every core event as its catalogue line, node and term first', () => {
    const events: RaftEvent[] = [
      { type: 'became-follower', node: 2, term: 5, leader: 1 },
      { type: 'became-pre-candidate', node: 2, term: 5 },
      { type: 'became-candidate', node: 2, term: 6 },
      { type: 'became-leader', node: 2, term: 6 },
      { type: 'starting-election', node: 2, term: 5, preVote: true, voters: [1, 2, 3], lastIndex: 9, lastTerm: 4 },
      { type: 'cast-vote', node: 2, term: 5, candidate: 3, preVote: false },
      { type: 'rejected-vote', node: 2, term: 5, candidate: 3, preVote: true, reason: 'log behind' },
      { type: 'leader-changed', node: 2, term: 5, leader: 1, previous: 0 },
      { type: 'stepped-down', node: 2, term: 5, reason: 'transfer' },
      { type: 'membership-applied', node: 2, term: 5, index: 4, change: 'remove 3', voters: [1, 2], learners: [] },
      { type: 'membership-change-rejected', node: 2, term: 5, change: 'remove 1', reason: 'last voter' },
      { type: 'proposal-dropped', node: 2, term: 5, reason: 'not-leader' },
      { type: 'not-a-voter', node: 2, term: 5, voters: [1], learners: [] },
      { type: 'leadership-transfer-started', node: 2, term: 5, to: 3 },
    ];
    for (const event of events) {
      const record = eventRecord(event);
      expect(record.level, event.type).toBe(LOG_CATALOGUE[record.msg].level);
      expect(Object.keys(record.fields), event.type).toEqual(['node', 'term', ...Object.keys(LOG_CATALOGUE[record.msg].fields)]);
    }
    expect(eventRecord(events[4]!)).toEqual({
      level: 'info',
      msg: 'starting election',
      fields: { node: 2, term: 5, pre_vote: true, voters: [1, 2, 3], last_index: 9, last_term: 4 },
    });
  });

  it('lets the logger write only catalogue phrases, at their level, with their fields', () => {
    const logger = new Logger({ format: 'text', minLevel: 'error' }, 1);
    // Each line below must fail to compile (npm run typecheck), and would write nothing at level error.
    // @ts-expect-error not a catalogue phrase
    logger.info('became leeder', {});
    // @ts-expect-error `cluster mismatch` is a warning, not info
    logger.info('cluster mismatch', { peer: 2, addr: 'a:1', cluster: 'x', expected: 'y' });
    // @ts-expect-error a field the entry does not have
    logger.warn('peer unreachable', { peer: 2, addr: 'a:1', error: 'x', reason: 'y' });
    // @ts-expect-error a field of the wrong type
    logger.warn('wal fsync slow', { duration: '850ms', entries: 40 });
    // @ts-expect-error a field missing
    logger.info('stopping', {});
    expect(LOG_PHRASES).toContain('stopping');
  });

  it('is the table of docs/logging.md: phrase, level and fields', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../docs/logging.md', import.meta.url)), 'utf8');
    const rows = [...doc.matchAll(/^\| `([^`]+)` \| (\w+) \|([^|]*)\|/gm)].map((m) => ({
      phrase: m[1] as string,
      level: (m[2] as string).toLowerCase(),
      // Values in parentheses (`reason` (`check-quorum`, ...)) are not fields.
      fields: [...(m[3] as string).replace(/\([^)]*\)/g, '').trim().matchAll(/(?:^|, )`(\w+)`/g)].map((f) => f[1]),
    }));
    expect(rows.map((r) => r.phrase).sort()).toEqual([...LOG_PHRASES].sort());
    for (const row of rows) {
      const entry = LOG_CATALOGUE[row.phrase as LogPhrase];
      expect(row.level, row.phrase).toBe(entry.level);
      expect(row.fields, row.phrase).toEqual(Object.keys(entry.fields));
    }
  });
});
