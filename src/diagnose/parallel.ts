// Scans several log files on worker threads (one per core, at most two) while the results stay those of
// a sequential scan: each worker records its scanner's calls, and they are replayed in source order.
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Source } from './inputs.js';
import type { FileReport, RaftEvent } from './model.js';
import type { EventSink } from './scan.js';

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

const MAX_THREADS = 2;
const WORKER_URL = new URL('./scan-worker.js', import.meta.url);

/** Worker threads need the compiled worker next to this module (not so when tests run the TypeScript). */
export function parallelScanAvailable(fileCount: number): boolean {
  return fileCount >= 2 && availableParallelism() >= 2 && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Starts scanning every file on the workers, handing out the next file to whichever worker is free,
 * and returns one promise per file, in the order given.
 */
export function scanFilesInWorkers(sources: FileSource[]): { outcomes: Promise<ScanOutcome>[]; close: () => Promise<void> } {
  const resolvers: ((outcome: ScanOutcome) => void)[] = [];
  const outcomes = sources.map((_, i) => new Promise<ScanOutcome>((resolve) => (resolvers[i] = resolve)));
  let next = 0;
  const workers: Worker[] = [];
  const threads = Math.min(MAX_THREADS, availableParallelism(), sources.length);
  const feed = (worker: Worker): void => {
    if (next >= sources.length) return;
    const index = next++;
    worker.postMessage({ index, source: sources[index]! } satisfies ScanJob);
  };
  for (let t = 0; t < threads; t++) {
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
  return { outcomes, close: async () => void (await Promise.all(workers.map((w) => w.terminate()))) };
}

/** Replays one file's recorded calls into the sink, exactly as its scanner made them. */
export function replay(calls: SinkCall[], sink: EventSink): void {
  for (const call of calls) {
    if ('event' in call) sink.handle(call.event);
    else sink.endOfStream(...call.end);
  }
}
