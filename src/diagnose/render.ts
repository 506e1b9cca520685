// Human rendering of a diagnose report: findings by severity with evidence and what to do, then a
// per-node timeline and the files read. The JSON form is the report object itself.
import chalk from '../shared/chalk.js';
import { SEVERITY_RANK, type DiagnoseReport, type Finding, type Severity } from './model.js';

const SEVERITY_STYLE: Record<Severity, (text: string) => string> = {
  critical: (t) => chalk.red.bold(t),
  warning: (t) => chalk.yellow.bold(t),
  info: (t) => chalk.cyan(t),
};

export function renderHuman(report: DiagnoseReport, minSeverity: Severity): string {
  const out: string[] = [];
  const shown = report.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[minSeverity]);
  const counts = (severity: Severity): number => report.findings.filter((f) => f.severity === severity).length;
  out.push(
    `Read ${report.files.length} file(s), ${report.files.reduce((sum, f) => sum + f.lines, 0)} line(s), ${report.nodes.length} node(s): ` +
      `${counts('critical')} critical, ${counts('warning')} warning, ${counts('info')} info finding(s).`,
    '',
  );
  for (const finding of shown) out.push(...renderFinding(finding), '');
  if (shown.length < report.findings.length) out.push(chalk.dim(`(${report.findings.length - shown.length} finding(s) below ${minSeverity} not shown)`), '');
  if (report.nodes.length > 0) {
    out.push(chalk.bold('Timeline per node'));
    const rows = report.nodes.map((n) => [
      n.id,
      n.firstTerm === null ? '-' : n.firstTerm === n.lastTerm ? `${n.firstTerm}` : `${n.firstTerm}->${n.lastTerm}`,
      n.leaderTerms.length === 0 ? '-' : abbreviate(n.leaderTerms.map(String)),
      String(n.electionsStarted),
      n.leadersSeen.length === 0 ? '-' : abbreviate(n.leadersSeen),
      n.voters === null ? '?' : `{${abbreviate(n.voters)}}`,
      String(n.restarts),
      n.firstSeen === null ? '-' : `${n.firstSeen} .. ${n.lastSeen ?? ''}`,
    ]);
    out.push(...table(['NODE', 'TERMS', 'LED TERMS', 'ELECTIONS', 'LEADERS SEEN', 'VOTERS', 'RESTARTS', 'SEEN'], rows), '');
  }
  if (report.unrecognised.count > 0) {
    // Where the tool was blind: silence about these lines is not health.
    out.push(chalk.bold(`Not understood: ${report.unrecognised.count} line(s) looked like Raft (a term, a vote, a leader, a peer) but matched no known template`));
    for (const e of report.unrecognised.examples) out.push(chalk.dim(`  ${e.file}:${e.line}: ${e.text.length > 200 ? `${e.text.slice(0, 200)}...` : e.text}`));
    out.push('');
  }
  out.push(chalk.bold('Files'));
  out.push(...table(['PATH', 'DIALECT', 'NODE', 'LINES'], report.files.map((f) => [f.path, f.dialect, f.node ?? '(several)', String(f.lines)])), '');
  const unhealthy = report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning);
  out.push(unhealthy ? chalk.red.bold('Verdict: problems found (exit 3).') : chalk.green.bold('Verdict: nothing at warning or above.'));
  return out.join('\n');
}

function renderFinding(finding: Finding): string[] {
  const lines = [`${SEVERITY_STYLE[finding.severity](finding.severity.toUpperCase().padEnd(8))} ${chalk.bold(finding.code)}  ${finding.summary}`];
  const when = finding.firstSeen === null ? '' : `  first ${finding.firstSeen}${finding.lastSeen && finding.lastSeen !== finding.firstSeen ? `  last ${finding.lastSeen}` : ''}`;
  lines.push(`         nodes: ${finding.nodes.join(', ') || '-'}  count: ${finding.count}${when}`);
  for (const e of finding.evidence) lines.push(chalk.dim(`         ${e.file}:${e.line}: ${e.text.length > 200 ? `${e.text.slice(0, 200)}...` : e.text}`));
  lines.push(`         what to do: ${finding.remediation}`);
  return lines;
}

function abbreviate(items: string[], max = 6): string {
  return items.length <= max ? items.join(',') : `${items.slice(0, max).join(',')},... (${items.length})`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
  return [chalk.dim(line(header)), ...rows.map(line)];
}
