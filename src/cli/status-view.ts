// Renders status reports: the table and verdict of `chronik status`, and the sample and event lines
// of `status --watch`.
import type { ClusterView, NodeHealth } from '../client/cluster-status.js';
import type { OfflineReport } from '../node/offline-status.js';
import { paint, renderTable, type Tone } from './render.js';

export const STATUS_COLUMNS = ['ID', 'ENDPOINT', 'ROLE', 'MEMBER', 'TERM', 'LEADER', 'COMMIT', 'APPLIED', 'LAG', 'HEALTH'];

const HEALTH_TONE: Record<NodeHealth, Tone> = {
  ok: 'good',
  lagging: 'warn',
  stale: 'warn',
  'not a member': 'warn',
  'no leader': 'bad',
  'no voters': 'bad',
  unreachable: 'bad',
};

const DASH = '-';

export function renderStatusTable(view: ClusterView): string {
  const rows = view.report.nodes.map((node, i) => {
    const health = view.health[i] ?? 'unreachable';
    const cell = (value: number | string | null | undefined): string => (value === undefined || value === null ? DASH : String(value));
    const role = node.role === 'leader' ? paint(node.role, 'good') : cell(node.role);
    return [
      cell(node.id),
      node.endpoint,
      role,
      cell(node.member),
      cell(node.term),
      cell(node.leader),
      cell(node.commitIndex),
      cell(node.appliedIndex),
      cell(view.lag[i]),
      paint(health === 'unreachable' && node.error ? `unreachable (${node.error})` : health, HEALTH_TONE[health]),
    ];
  });
  return renderTable(STATUS_COLUMNS, rows);
}

export function renderVerdict(view: ClusterView): string {
  const tone: Tone = !view.report.healthy ? 'bad' : view.verdict === 'degraded' ? 'warn' : 'good';
  const lines = [paint(view.verdictLine, tone)];
  for (const problem of view.report.problems) {
    if (problem.code === 'NO_LEADER' || problem.code === 'NO_QUORUM') continue;
    lines.push(paint(`  ${problem.code}: ${problem.message}`, 'dim'));
  }
  return lines.join('\n');
}

export function renderStatus(view: ClusterView): string {
  const id = view.report.clusterId !== undefined ? `\ncluster ID ${view.report.clusterId}` : '';
  return `${renderStatusTable(view)}${id}\n\n${renderVerdict(view)}`;
}

export interface WatchEvent {
  event: 'leader-changed' | 'term-changed';
  time: string;
  leader: number | null;
  previousLeader: number | null;
  term: number;
  previousTerm: number;
}

/** Leader or term changes between two samples: what an operator watching for trouble wants called out. */
export function watchEvent(previous: ClusterView | undefined, current: ClusterView, time: Date): WatchEvent | undefined {
  if (!previous) return undefined;
  const before = previous.report;
  const after = current.report;
  if (before.leader === after.leader && before.term === after.term) return undefined;
  return {
    event: before.leader !== after.leader ? 'leader-changed' : 'term-changed',
    time: time.toISOString(),
    leader: after.leader,
    previousLeader: before.leader,
    term: after.term,
    previousTerm: before.term,
  };
}

export function describeEvent(event: WatchEvent): string {
  const name = (id: number | null): string => (id === null ? 'none' : String(id));
  return event.event === 'leader-changed'
    ? `${event.time} leader ${name(event.previousLeader)} -> ${name(event.leader)} (term ${event.previousTerm} -> ${event.term})`
    : `${event.time} term ${event.previousTerm} -> ${event.term}, leader still ${name(event.leader)}`;
}

/** The offline view of one data dir: its fields, then a verdict line like the live one. */
export function renderOfflineStatus(report: OfflineReport): string {
  const members = report.members.filter((m) => m.role === 'voter');
  const learners = report.members.filter((m) => m.role === 'learner');
  const list = (ms: { id: number; addr: string }[]): string => (ms.length === 0 ? 'none' : ms.map((m) => `${m.id}@${m.addr}`).join(', '));
  const rows = [
    ['data dir', report.dataDir],
    ['node', `${report.id}${report.cluster ? ` (cluster ${report.cluster})` : ''}`],
    ['cluster ID', report.clusterId ?? 'none yet (a joining node adopts its leader\'s)'],
    ['term', `${report.term}${report.vote === null ? '' : `, voted for ${report.vote}`}`],
    ['commit', String(report.commitIndex)],
    ['applied', String(report.appliedIndex)],
    ['last index', `${report.lastIndex} (term ${report.lastTerm})`],
    ['snapshot', report.snapshotIndex === 0 ? 'none' : `at index ${report.snapshotIndex}`],
    ['voters', list(members)],
    ['learners', list(learners)],
    ['wal', `${report.walSegments} segment${report.walSegments === 1 ? '' : 's'}, ${report.walBytes} bytes`],
    ...(report.lockedBy === null ? [] : [['running', `yes, pid ${report.lockedBy}: these figures are a moment's snapshot`]]),
  ];
  const width = Math.max(...rows.map(([k]) => (k as string).length));
  const lines = rows.map(([k, v]) => `${(k as string).padEnd(width)}  ${v}`);
  const verdict = report.healthy
    ? paint(`offline: node ${report.id} at term ${report.term}, ${report.voters.length} voter${report.voters.length === 1 ? '' : 's'} on disk`, report.problems.length > 0 ? 'warn' : 'good')
    : paint(`NO VOTERS: node ${report.id} has an empty voter set and can never elect a leader`, 'bad');
  const problems = report.problems.filter((p) => p.code !== 'EMPTY_VOTERS').map((p) => paint(`  ${p.code}: ${p.message}`, 'dim'));
  return [...lines, '', verdict, ...problems].join('\n');
}
