// Scans several log files at once, on the main thread and a worker thread (2 cores: one worker, as the
// main thread is otherwise idle), with the results of a sequential scan: each lane records its
// scanner's calls per file, and they are replayed into the one Analyzer in source order.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { openSource, type Source } from './inputs.js';
import type { FileReport, RaftEvent } from './model.js';
import { SourceScanner, type EventSink, type ScanOptions } from './scan.js';

export type FileSource = Extract<Source, { kind: 'file' }>;

export type SinkCall = { event: RaftEvent } | { end: [node: string, group: string, lastTime: number | undefined] };

export interface ScanJob {
  index: number;
  source: FileSource;
}

export interface ScanOutcome {
  index: number;
  file?: FileReport;
  calls?: SinkCall[];
  error?: string;
}

const MAX_LANES = 2;
const WORKER_URL = new URL('./scan-worker.js', import.meta.url);

/** Worker threads need the compiled worker next to this module (not so when tests run the TypeScript). */
export function parallelScanAvailable(fileCount: number): boolean {
  return fileCount >= 2 && availableParallelism() >= 2 && existsSync(fileURLToPath(WORKER_URL));
}

/** Records a scanner's calls, to be replayed into the Analyzer once every earlier file has been. */
class Recorder implements EventSink {
  readonly calls: SinkCall[] = [];

  handle(event: RaftEvent): void {
    this.calls.push({ event });
  }

  endOfStream(node: string, group: string, lastTime: number | undefined): void {
    this.calls.push({ end: [node, group, lastTime] });
  }
}

/** Scans a file or stdin into the sink: plain files with blocking reads, gzip and stdin as streams. */
export async function scanSource(source: Exclude<Source, { kind: 'data-dir' }>, sink: EventSink, options: ScanOptions = {}): Promise<FileReport> {
  const scanner = new SourceScanner(source.path, sink, options);
  return source.kind === 'file' && !source.gzip ? scanner.scanFile(source.path) : scanner.scan(openSource(source));
}

/** Scans one file into a recording; a read error is part of the outcome, reported when its turn comes. */
export async function scanRecorded(index: number, source: FileSource): Promise<ScanOutcome> {
  const recorder = new Recorder();
  try {
    const file = await scanSource(source, recorder);
    return { index, file, calls: recorder.calls };
  } catch (err) {
    return { index, error: (err as Error).message };
  }
}

/**
 * Starts scanning every file, handing out the next file to whichever lane (the main thread or a
 * worker) is free, and returns one promise per file, in the order given.
 */
export function scanFilesInWorkers(sources: FileSource[]): { outcomes: Promise<ScanOutcome>[]; close: () => Promise<void> } {
  const resolvers: ((outcome: ScanOutcome) => void)[] = [];
  const outcomes = sources.map((_, i) => new Promise<ScanOutcome>((resolve) => (resolvers[i] = resolve)));
  let next = 0;
  const workers: Worker[] = [];
  const lanes = Math.min(MAX_LANES, availableParallelism(), sources.length);
  const feed = (worker: Worker): void => {
    if (next >= sources.length) return;
    const index = next++;
    worker.postMessage({ index, source: sources[index]! } satisfies ScanJob);
  };
  for (let t = 1; t < lanes; t++) {
    const worker = new Worker(WORKER_URL);
    worker.on('message', (outcome: ScanOutcome) => {
      resolvers[outcome.index]!(outcome);
      feed(worker);
    });
    worker.on('error', (err) => {
      // A crashed worker fails every file still waiting, so diagnose reports it instead of hanging.
      for (let i = 0; i < sources.length; i++) resolvers[i]!({ index: i, error: err.message });
    });
    workers.push(worker);
    feed(worker);
  }
  void (async () => {
    while (next < sources.length) {
      const index = next++;
      resolvers[index]!(await scanRecorded(index, sources[index]!));
    }
  })();
  return { outcomes, close: async () => void (await Promise.all(workers.map((w) => w.terminate()))) };
}

/** Replays one file's recorded calls into the sink, exactly as its scanner made them. */
export function replay(calls: SinkCall[], sink: EventSink): void {
  for (const call of calls) {
    if ('event' in call) sink.handle(call.event);
    else sink.endOfStream(...call.end);
  }
}
