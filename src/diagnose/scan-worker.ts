// A worker thread of parallel diagnose: waits for its one message (the files and the shared counter),
// scans the files it takes from the counter and posts back, per file, every call its scanner made, for
// the main thread to replay in source order.
import { parentPort } from 'node:worker_threads';
import { scanTaken, type ScanJobs } from './parallel.js';

// One message per file: structured cloning keeps events of one line sharing one evidence object.
parentPort!.once('message', (jobs: ScanJobs) => void scanTaken(jobs, (outcome) => parentPort!.postMessage(outcome)));
