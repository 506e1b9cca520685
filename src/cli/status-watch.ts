// The status survey as a library: one sample turned into a cluster view, and the --watch loop.
import type { AdminClient } from '../client/admin-client.js';
import type { ClusterView } from '../client/cluster-status.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT_FAILED, EXIT_OK, EXIT_UNHEALTHY } from '../shared/errors.js';
import type { WatchEvent } from './status-view.js';

export interface WatchOptions {
  intervalMs: number;
  /** Stop after this long; undefined watches until SIGINT. */
  limitMs?: number;
  /** The longest one sample may wait for answers. */
  sampleBudgetMs: number;
  json: boolean;
}

/**
 * Samples the cluster every interval until SIGINT or the limit: redraws on a TTY, else prints one JSON
 * line per sample and an event line on each leader or term change. Returns the last sample's exit code.
 * `sample` takes one survey within a budget: chronik's (sampleOnce) or an attached product's.
 */
export async function watchStatus(sample: (budgetMs: number) => Promise<ClusterView>, options: WatchOptions): Promise<number> {
  const redraw = !options.json && process.stdout.isTTY === true;
  const { describeEvent, renderStatus, watchEvent } = await import('./status-view.js');
  const endAt = options.limitMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.limitMs;
  let interrupted = false;
  let wake: (() => void) | undefined;
  const onSigint = (): void => {
    interrupted = true;
    wake?.();
  };
  process.once('SIGINT', onSigint);
  const events: WatchEvent[] = [];
  let previous: ClusterView | undefined;
  let lastExit = EXIT_OK;
  try {
    while (!interrupted && Date.now() < endAt) {
      const started = Date.now();
      const now = new Date();
      let view: ClusterView | undefined;
      let failure: string | undefined;
      try {
        view = await sample(Math.min(options.sampleBudgetMs, Math.max(1, endAt - started)));
        lastExit = view.report.healthy ? EXIT_OK : EXIT_UNHEALTHY;
      } catch (err) {
        failure = (err as Error).message;
        lastExit = EXIT_FAILED;
      }
      const event = view ? watchEvent(previous, view, now) : undefined;
      if (event) events.push(event);
      if (view) previous = view;
      if (redraw) {
        const body = view ? renderStatus(view) : `Error: ${failure}`;
        const recent = events.slice(-5).map(describeEvent);
        process.stdout.write(`\x1b[H\x1b[2J${now.toISOString()}  every ${formatDuration(options.intervalMs)}, Ctrl-C to stop\n\n${body}\n${recent.length > 0 ? `\nRecent changes:\n${recent.join('\n')}\n` : ''}`);
      } else {
        if (event) process.stdout.write(`${JSON.stringify(event)}\n`);
        process.stdout.write(`${JSON.stringify(view ? { time: now.toISOString(), ...view.report } : { time: now.toISOString(), error: failure })}\n`);
      }
      const pause = Math.min(options.intervalMs - (Date.now() - started), endAt - Date.now());
      if (pause > 0 && !interrupted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, pause);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
  return lastExit;
}

/** One survey turned into a view; nothing answering at all is an error (exit 1) naming the endpoints. */
export async function sampleOnce(client: AdminClient, budgetMs: number, strict: boolean): Promise<ClusterView> {
  const [{ unreachableError }, { buildClusterView }, { UnreachableError }] = await Promise.all([
    import('../client/admin-client.js'),
    import('../client/cluster-status.js'),
    import('../client/http.js'),
  ]);
  const survey = await client.survey(budgetMs);
  if (!survey.samples.some((s) => s.status)) {
    throw unreachableError(
      survey.samples.map((s) => new UnreachableError(s.endpoint, s.error ?? 'no answer')),
      client.endpointSource,
    );
  }
  return buildClusterView(survey.samples, { strict });
}
