// diagnose's entry point: reads every source in turn into one Analyzer, then runs the detectors.
import { Analyzer } from './analyzer.js';
import { CODES } from './codes.js';
import { detect, displayName } from './detectors.js';
import { expandPaths, openSource } from './inputs.js';
import { isoOrNull, type DiagnoseReport, type FileReport, type Finding, type NodeTimeline } from './model.js';
import { SourceScanner } from './scan.js';
import { UsageError } from '../cli/errors.js';

export interface DiagnoseOptions {
  since?: number;
  until?: number;
}

export async function diagnose(paths: string[], options: DiagnoseOptions = {}): Promise<DiagnoseReport> {
  const sources = await expandPaths(paths);
  if (sources.length === 0) throw new UsageError(`no log files found in ${paths.join(', ')}`, 'give log files, directories holding them, .gz files or - for stdin');
  const analyzer = new Analyzer({ since: options.since, until: options.until });
  const files: FileReport[] = [];
  const extra: Finding[] = [];
  for (const source of sources) {
    if (source.kind === 'data-dir') {
      files.push({ path: source.path, dialect: 'chronik-data-dir', node: null, lines: 0 });
      extra.push({
        code: 'DATA_DIR_NOT_INSPECTED',
        severity: 'info',
        nodes: [],
        summary: `${source.path} is a chronik data dir; this build cannot read its persisted membership yet, so only logs were analysed`,
        count: 1,
        firstSeen: null,
        lastSeen: null,
        evidence: [],
        remediation: CODES.DATA_DIR_NOT_INSPECTED.remediation,
      });
      continue;
    }
    const scanner = new SourceScanner(source.path, analyzer);
    try {
      files.push(await scanner.scan(openSource(source)));
    } catch (err) {
      throw new UsageError(`cannot read ${source.path}: ${(err as Error).message}`);
    }
  }
  const findings = [...detect(analyzer), ...extra];
  return { files, nodes: timelines(analyzer), findings };
}

function timelines(analyzer: Analyzer): NodeTimeline[] {
  return [...analyzer.nodes.values()]
    .filter((n) => n.id !== '?')
    .map((n) => ({
      id: displayName(n),
      group: n.group,
      files: [...n.files],
      firstSeen: isoOrNull(n.firstSeen),
      lastSeen: isoOrNull(n.lastSeen),
      firstTerm: n.firstTerm ?? null,
      lastTerm: n.lastTerm ?? null,
      electionsStarted: n.electionsStarted,
      leaderTerms: [...n.leaderTerms].sort((a, b) => a - b),
      leadersSeen: [...n.leadersSeen],
      voters: n.voters ?? (n.emptyConfig ? [] : null),
      restarts: n.restarts,
    }))
    .sort((a, b) => a.group.localeCompare(b.group) || a.id.localeCompare(b.id, undefined, { numeric: true }));
}
