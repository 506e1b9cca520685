// A worker thread of parallel diagnose: scans the files it is sent and posts back, per file, every
// call its scanner made, for the main thread to replay into the one Analyzer in source order.
import { parentPort } from 'node:worker_threads';
import { openSource } from './inputs.js';
import type { RaftEvent } from './model.js';
import { SourceScanner, type EventSink } from './scan.js';
import type { FileSource, ScanJob, ScanOutcome, SinkCall } from './parallel.js';

class Recorder implements EventSink {
  readonly calls: SinkCall[] = [];

  handle(event: RaftEvent): void {
    this.calls.push({ event });
  }

  endOfStream(node: string, group: string, lastTime: number | undefined): void {
    this.calls.push({ end: [node, group, lastTime] });
  }
}

async function scanOne(source: FileSource): Promise<Omit<ScanOutcome, 'index'>> {
  const recorder = new Recorder();
  try {
    const file = await new SourceScanner(source.path, recorder).scan(openSource(source));
    return { file, calls: recorder.calls };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

parentPort!.on('message', (job: ScanJob) => {
  // One message per file: structured cloning keeps events of one line sharing one evidence object.
  void scanOne(job.source).then((outcome) => parentPort!.postMessage({ index: job.index, ...outcome } satisfies ScanOutcome));
});
