// Scans several log files at once, on the main thread and a worker thread (2 cores: one worker, as the
// main thread is otherwise idle), with the results of a sequential scan: each lane records its
// scanner's calls per file, and they are replayed into the one Analyzer in source order. Lanes take
// the next file from a shared counter, as the main thread's blocking reads leave it no time to hand
// out work.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { openSource, type Source } from './inputs.js';
import type { FileReport, RaftEvent, Unrecognised } from './model.js';
import { SourceScanner, type EventSink, type ScanOptions } from './scan.js';
import { scanWorkersAvailable, takeStartedWorker, WORKER_URL } from './worker-start.js';

export type FileSource = Extract<Source, { kind: 'file' }>;

export type SinkCall = { event: RaftEvent } | { end: [node: string, group: string, lastTime: number | undefined] };

/** What a worker is sent (its one message): every file, and the counter of files taken (an Int32Array's buffer). */
export interface ScanJobs {
  sources: FileSource[];
  taken: SharedArrayBuffer;
}

export interface ScanOutcome {
  index: number;
  file?: FileReport;
  unrecognised?: Unrecognised;
  calls?: SinkCall[];
  error?: string;
}

const MAX_LANES = 2;

/** Worker threads need two files or more, and the compiled worker next to this module (not so when tests run the TypeScript). */
export function parallelScanAvailable(fileCount: number): boolean {
  return fileCount >= 2 && scanWorkersAvailable();
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

export interface ScanResult {
  file: FileReport;
  unrecognised: Unrecognised;
}

/** Scans a file or stdin into the sink: plain files with blocking reads, gzip, UTF-16 and stdin as streams. */
export async function scanSource(source: Exclude<Source, { kind: 'data-dir' }>, sink: EventSink, options: ScanOptions = {}): Promise<ScanResult> {
  const scanner = new SourceScanner(source.path, sink, options);
  const file = source.kind === 'file' && !source.gzip && !source.utf16 ? scanner.scanFile(source.path) : await scanner.scan(openSource(source));
  return { file, unrecognised: scanner.unrecognised };
}

/** Scans one file into a recording; a read error is part of the outcome, reported when its turn comes. */
export async function scanRecorded(index: number, source: FileSource): Promise<ScanOutcome> {
  const recorder = new Recorder();
  try {
    const { file, unrecognised } = await scanSource(source, recorder);
    return { index, file, unrecognised, calls: recorder.calls };
  } catch (err) {
    return { index, error: (err as Error).message };
  }
}

/** Scans files, taking the next untaken one each time, until none is left; `done` gets each outcome. */
export async function scanTaken(jobs: ScanJobs, done: (outcome: ScanOutcome) => void): Promise<void> {
  const taken = new Int32Array(jobs.taken);
  for (let index = Atomics.add(taken, 0, 1); index < jobs.sources.length; index = Atomics.add(taken, 0, 1)) {
    done(await scanRecorded(index, jobs.sources[index]!));
  }
}

/**
 * Starts scanning every file on the main thread and a worker, each taking the next file when done with
 * one, and returns one promise per file, in the order given.
 */
export function scanFilesInWorkers(sources: FileSource[]): { outcomes: Promise<ScanOutcome>[]; close: () => Promise<void> } {
  const resolvers: ((outcome: ScanOutcome) => void)[] = [];
  const outcomes = sources.map((_, i) => new Promise<ScanOutcome>((resolve) => (resolvers[i] = resolve)));
  const jobs: ScanJobs = { sources, taken: new SharedArrayBuffer(4) };
  const workers: Worker[] = [];
  const lanes = Math.min(MAX_LANES, availableParallelism(), sources.length);
  for (let t = 1; t < lanes; t++) {
    const worker = takeStartedWorker() ?? new Worker(WORKER_URL);
    worker.ref();
    worker.postMessage(jobs);
    worker.on('message', (outcome: ScanOutcome) => resolvers[outcome.index]!(outcome));
    worker.on('error', (err) => {
      // A crashed worker fails every file still waiting, so diagnose reports it instead of hanging.
      for (let i = 0; i < sources.length; i++) resolvers[i]!({ index: i, error: err.message });
    });
    workers.push(worker);
  }
  void scanTaken(jobs, (outcome) => resolvers[outcome.index]!(outcome));
  return { outcomes, close: async () => void (await Promise.all(workers.map((w) => w.terminate()))) };
}

/** Replays one file's recorded calls into the sink, exactly as its scanner made them. */
export function replay(calls: SinkCall[], sink: EventSink): void {
  for (const call of calls) {
    if ('event' in call) sink.handle(call.event);
    else sink.endOfStream(...call.end);
  }
}
