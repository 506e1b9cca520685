// Starts diagnose's scan worker early: a worker thread takes ~70 ms to boot and load the scanner, so
// the command line starts one before loading the rest of diagnose, and parallel.ts hands it its
// files once they are known. Nothing heavy is imported here, so the start costs the main thread nothing.
import { existsSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Severity } from './model.js';

export const WORKER_URL = new URL('./scan-worker.js', import.meta.url);

let started: Worker | undefined;

/** Whether worker threads can scan: two cores or more, and the compiled worker next to this module (not so when tests run the TypeScript). */
export function scanWorkersAvailable(): boolean {
  return availableParallelism() >= 2 && existsSync(fileURLToPath(WORKER_URL));
}

/** Starts a scan worker that waits for its files; it keeps the process alive only once it has some. */
function startScanWorker(): void {
  if (started || !scanWorkersAvailable()) return;
  const worker = new Worker(WORKER_URL);
  worker.unref();
  // A worker that fails before it is taken is dropped (the scan then starts its own, or runs here).
  worker.on('error', () => {
    if (started === worker) started = undefined;
  });
  started = worker;
}

/** Starts the scan worker when the paths may hold several files to scan side by side: a directory, or more than one file. */
export function startScanWorkerFor(paths: string[]): void {
  const files = paths.filter((p) => p !== '-');
  if (files.length > 1 || files.some(isDirectory)) startScanWorker();
}

/** An unreadable path is not a directory here: the scan reports it, with its own message and exit code. */
function isDirectory(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** The worker started early, if any (each is handed out once); the caller ref()s it when it gives it work. */
export function takeStartedWorker(): Worker | undefined {
  const worker = started;
  started = undefined;
  return worker;
}

/** Stops a started worker nobody took (a single file to read after all). */
export async function stopStartedWorker(): Promise<void> {
  await takeStartedWorker()?.terminate();
}

/**
 * `chronik diagnose` as both start paths run it (commands/diagnose.ts and the fast start): the scan worker
 * boots while the analyzer loads, then the report is printed. Returns the exit code.
 */
export async function runDiagnoseCli(paths: string[], flags: { since?: string | undefined; until?: string | undefined; 'min-severity': string }, json: boolean): Promise<number> {
  startScanWorkerFor(paths);
  const { runDiagnose } = await import('./command.js');
  return runDiagnose(paths, { json, since: flags.since, until: flags.until, minSeverity: flags['min-severity'] as Severity });
}
