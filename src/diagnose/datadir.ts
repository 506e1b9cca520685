// Inspects a stopped (or running) chronik node's data dir through the node runtime's offline reader:
// its persisted membership joins the log-derived picture, and an unreadable dir is a finding of its own.
import { join } from 'node:path';
import { readDataDir } from '../node/datadir.js';
import { StorageCorruptError } from '../node/errors.js';
import type { Analyzer } from './analyzer.js';
import { CODES } from './codes.js';
import type { DialectFamily } from './dialect.js';
import type { Evidence, FileReport, Finding } from './model.js';

/** The group chronik's own log lines go to, so a data dir and its node's log are one node. */
const CHRONIK_GROUP: DialectFamily = 'chronik';

export function inspectDataDir(dir: string, analyzer: Analyzer): { file: FileReport; findings: Finding[] } {
  let summary;
  try {
    summary = readDataDir(dir);
  } catch (err) {
    if (!(err instanceof StorageCorruptError)) throw err;
    const evidence: Evidence = { file: err.file, line: 0, text: err.message };
    return {
      file: { path: dir, dialect: 'chronik-data-dir', node: null, lines: 0 },
      findings: [finding('DATA_DIR_CORRUPT', 'critical', [], `${dir} cannot be read: ${err.reason} (${err.file} at offset ${err.offset})`, evidence, `${err.hint}. See docs/runbooks/DATA_DIR_CORRUPT.md.`)],
    };
  }
  const node = String(summary.nodeId);
  const voters = summary.voters.map((m) => String(m.id));
  const learners = summary.learners.map((m) => String(m.id));
  const render = (members: { id: number; addr: string }[]): string => `[${members.map((m) => `${m.id}@${m.addr}`).join(',')}]`;
  const evidence: Evidence = {
    file: join(dir, 'membership.json'),
    line: 0,
    text: `persisted: node=${node} cluster=${summary.cluster} term=${summary.term} vote=${summary.vote} commit=${summary.commit} last_index=${summary.lastIndex} voters=${render(summary.voters)} learners=${render(summary.learners)}`,
  };
  analyzer.handle({ kind: 'term-seen', group: CHRONIK_GROUP, node, term: summary.term, evidence });
  if (voters.length > 0) analyzer.handle({ kind: 'config', group: CHRONIK_GROUP, node, voters, evidence });

  const findings: Finding[] = [];
  if (voters.length === 0 && (summary.lastIndex > 0 || summary.term > 0)) {
    findings.push(finding('EMPTY_VOTERS', 'critical', [node], `node ${node}'s data dir holds a log (last index ${summary.lastIndex}, term ${summary.term}) but no voters`, evidence, CODES.EMPTY_VOTERS.remediation));
  } else if (voters.length === 0 && !learners.includes(node)) {
    findings.push(
      finding('NOT_PROMOTABLE', 'warning', [node], `node ${node}'s data dir has no membership yet: a --join node still waiting to be added (chronik add-voter ${node}@HOST:PORT)`, evidence, CODES.NOT_PROMOTABLE.remediation),
    );
  } else if (!voters.includes(node) && !learners.includes(node)) {
    findings.push({
      ...finding('NOT_PROMOTABLE', 'critical', [node], `node ${node} is not in its own persisted configuration (voters ${render(summary.voters)}): it will never campaign`, evidence, CODES.NOT_PROMOTABLE.remediation),
      refines: 'VOTER_MISMATCH',
    });
  }
  return { file: { path: dir, dialect: 'chronik-data-dir', node, lines: 0 }, findings };
}

function finding(code: string, severity: Finding['severity'], nodes: string[], summary: string, evidence: Evidence, remediation: string): Finding {
  return { code, severity, nodes, summary, count: 1, firstSeen: null, lastSeen: null, evidence: [evidence], remediation };
}
