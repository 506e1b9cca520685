// Findings whose code is more specific than SPEC.md's table (NOT_PROMOTABLE, REMOVED_MEMBER_DISRUPTING,
// NODE_ISOLATED) say which table code they refine, and that code is reported too, for the same nodes:
// runbook scripts key on the table's codes. The table-code finding carries the table's severity, or the
// refining finding's when that is lower (a --join node waiting to be added is a warning, not an outage).
import { CODES, refinedTableCode, type Code, type TableCode } from '../codes.js';
import { SEVERITY_RANK, type Finding } from '../model.js';

export function withTableCodes(findings: Finding[]): Finding[] {
  const out = [...findings];
  for (const finding of findings) {
    const table = (finding.refines as TableCode | undefined) ?? (finding.code in CODES ? refinedTableCode(finding.code as Code) : undefined);
    if (table === undefined) continue;
    finding.refines = table;
    const covered = new Set(out.filter((f) => f.code === table).flatMap((f) => f.nodes));
    const nodes = finding.nodes.filter((n) => !covered.has(n));
    if (nodes.length === 0 && finding.nodes.length > 0) continue;
    const tableSeverity = CODES[table].severity;
    const severity = SEVERITY_RANK[finding.severity] < SEVERITY_RANK[tableSeverity] ? finding.severity : tableSeverity;
    const summary = `${finding.summary} (${finding.code}, reported as ${table} too)`;
    const same = out.find((f) => f.code === table && f.severity === severity);
    if (same) {
      same.nodes = [...new Set([...same.nodes, ...nodes])].sort();
      same.summary = `${same.summary}; ${summary}`;
      same.count += finding.count;
      continue;
    }
    out.push({ ...finding, code: table, severity, nodes, summary, refines: undefined, remediation: CODES[table].remediation });
  }
  return out
    .map(({ refines, ...rest }) => (refines === undefined ? rest : { ...rest, refines }))
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}
