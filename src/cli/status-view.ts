// Renders status reports: the table and verdict of `chronik status`, and the sample and event lines
// of `status --watch`.
import type { ClusterView, NodeHealth } from '../client/cluster-status.js';
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
  return `${renderStatusTable(view)}\n\n${renderVerdict(view)}`;
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
