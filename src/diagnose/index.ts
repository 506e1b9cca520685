// diagnose's entry point: reads every source into one Analyzer, in the order given (files scanned on
// worker threads are replayed in that order), then runs the detectors.
import { Analyzer } from './analyzer.js';
import { displayName } from './detectors/kit.js';
import { withTableCodes } from './detectors/refine.js';
import { expandPaths, type Source } from './inputs.js';
import { isoOrNull, UNRECOGNISED_EXAMPLES, type DiagnoseReport, type FileReport, type Finding, type NodeTimeline, type Unrecognised } from './model.js';
import { parallelScanAvailable, replay, scanFilesInWorkers, scanSource, type FileSource, type ScanOutcome } from './parallel.js';
import { stopStartedWorker } from './worker-start.js';
import { UsageError } from '../shared/errors.js';

export interface DiagnoseOptions {
  since?: number;
  until?: number;
  /** false: every line is interpreted (tests hold the prefilter to this); files are then scanned in-process. */
  prefilter?: boolean;
}

const PATHS_HINT = 'give log files, directories holding them, .gz files or - for stdin';

/** Reads every path (empty ones, as a shell's "" gives, are ignored) into one report. */
export async function diagnose(paths: string[], options: DiagnoseOptions = {}): Promise<DiagnoseReport> {
  const given = paths.filter((p) => p !== '');
  if (given.length === 0) throw new UsageError('the path given is empty', PATHS_HINT);
  const sources = await expandPaths(given);
  if (sources.length === 0) throw new UsageError(`no log files found in ${given.join(', ')}`, PATHS_HINT);
  const analyzer = new Analyzer({ since: options.since, until: options.until });
  const files: FileReport[] = [];
  const extra: Finding[] = [];
  const unrecognised: Unrecognised = { count: 0, examples: [] };
  const addUnrecognised = (more: Unrecognised | undefined): void => {
    if (!more) return;
    unrecognised.count += more.count;
    for (const example of more.examples) if (unrecognised.examples.length < UNRECOGNISED_EXAMPLES) unrecognised.examples.push(example);
  };
  const fileSources = sources.filter((s): s is FileSource => s.kind === 'file');
  const pool = options.prefilter !== false && parallelScanAvailable(fileSources.length) ? scanFilesInWorkers(fileSources) : undefined;
  if (!pool) void stopStartedWorker();
  const scanned = new Map<Source, Promise<ScanOutcome>>(pool ? fileSources.map((s, i) => [s, pool.outcomes[i]!]) : []);
  try {
    for (const source of sources) {
      if (source.kind === 'data-dir') {
        // Loaded only when needed: the node runtime's storage code is not on the path of plain log reading.
        const { inspectDataDir } = await import('./datadir.js');
        const inspected = inspectDataDir(source.path, analyzer);
        files.push(inspected.file);
        extra.push(...inspected.findings);
        continue;
      }
      const outcome = scanned.get(source);
      if (outcome) {
        const { file, calls, error, unrecognised: unread } = await outcome;
        if (error !== undefined || !file || !calls) throw new UsageError(`cannot read ${source.path}: ${error ?? 'no result'}`);
        replay(calls, analyzer);
        files.push(file);
        addUnrecognised(unread);
        continue;
      }
      try {
        const scanned = await scanSource(source, analyzer, { prefilter: options.prefilter });
        files.push(scanned.file);
        addUnrecognised(scanned.unrecognised);
      } catch (err) {
        throw new UsageError(`cannot read ${source.path}: ${(err as Error).message}`);
      }
    }
  } finally {
    await pool?.close();
  }
  const findings = withTableCodes([...extra, ...analyzer.findings()]);
  return { files, nodes: timelines(analyzer), findings, unrecognised };
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
