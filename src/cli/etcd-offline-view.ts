// Renders `status --data-dir` of a stopped etcd member like chronik's own offline view.
import type { EtcdOfflineReport } from '../client/attach/etcd-datadir.js';
import { paint } from './render.js';

export function renderEtcdOffline(report: EtcdOfflineReport): string {
  const list = (ids: string[]): string =>
    ids.length === 0
      ? 'none'
      : ids
          .map((id) => {
            const member = report.members.find((m) => m.id === id);
            return `${id}${member?.name ? ` (${member.name}${member.peerURLs?.[0] ? ` ${member.peerURLs[0]}` : ''})` : ''}`;
          })
          .join(', ');
  const rows = [
    ['data dir', report.dataDir],
    ['member', `${report.id}${report.name ? ` (${report.name})` : ''}, cluster ${report.clusterId}`],
    ['term', `${report.term}${report.vote === null ? '' : `, voted for ${report.vote}`}`],
    ['commit', String(report.commitIndex)],
    ['last index', `${report.lastIndex} (term ${report.lastTerm})`],
    ['snapshot', report.snapshotIndex === 0 ? 'none' : `at index ${report.snapshotIndex}`],
    ['voters', list(report.voters)],
    ['learners', list(report.learners)],
    ['wal', `${report.walFiles} file${report.walFiles === 1 ? '' : 's'}`],
  ];
  const width = Math.max(...rows.map(([k]) => (k as string).length));
  const verdict = report.healthy
    ? paint(`offline: etcd member ${report.id} at term ${report.term}, ${report.voters.length} voter${report.voters.length === 1 ? '' : 's'} on disk`, report.problems.length > 0 ? 'warn' : 'good')
    : paint(`NO VOTERS: etcd member ${report.id} has no voters on disk`, 'bad');
  const problems = report.problems.filter((p) => p.code !== 'EMPTY_VOTERS').map((p) => paint(`  ${p.code}: ${p.message}`, 'dim'));
  return [...rows.map(([k, v]) => `${(k as string).padEnd(width)}  ${v}`), '', verdict, ...problems].join('\n');
}
