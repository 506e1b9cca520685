// A worker thread of parallel diagnose: scans the files it is sent and posts back, per file, every
// call its scanner made, for the main thread to replay into the one Analyzer in source order.
import { parentPort } from 'node:worker_threads';
import { scanRecorded, type ScanJob } from './parallel.js';

parentPort!.on('message', (job: ScanJob) => {
  // One message per file: structured cloning keeps events of one line sharing one evidence object.
  void scanRecorded(job.index, job.source).then((outcome) => parentPort!.postMessage(outcome));
});
