// A worker thread of parallel diagnose: scans the files it takes from the shared counter and posts
// back, per file, every call its scanner made, for the main thread to replay in source order.
import { parentPort, workerData } from 'node:worker_threads';
import { scanTaken, type ScanJobs } from './parallel.js';

// One message per file: structured cloning keeps events of one line sharing one evidence object.
void scanTaken(workerData as ScanJobs, (outcome) => parentPort!.postMessage(outcome));
