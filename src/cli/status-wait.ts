// `status --wait`: samples the cluster until it is healthy (or has a leader) or the timeout passes,
// so that scripts never need a sleep loop around `chronik status`.
import type { AdminClient } from '../client/admin-client.js';
import type { ClusterReport, ClusterView } from '../client/cluster-status.js';
import { formatDuration } from '../shared/duration.js';
import { EXIT_FAILED, EXIT_OK } from '../shared/errors.js';
import { ProgressLine } from './progress.js';
import { renderStatus } from './status-view.js';
import { sampleOnce } from './status-watch.js';

const MIN_SAMPLE_MS = 250;

export type WaitCondition = 'healthy' | 'leader';

export interface WaitOptions {
  until: WaitCondition;
  /** The whole wait; at this point the last sample is returned as not met. */
  limitMs: number;
  intervalMs: number;
  /** The longest one sample may wait for answers. */
  sampleBudgetMs: number;
  strict: boolean;
  /** Called after every sample, e.g. for a progress line. */
  onSample?: (view: ClusterView | undefined, failure: string | undefined) => void;
}

export interface WaitOutcome {
  met: boolean;
  /** The last sample; undefined when no endpoint answered it. */
  view?: ClusterView;
  /** Why the last sample failed (nothing answered). */
  failure?: Error;
}

/**
 * `healthy` is what exit 0 of `status` means (under --strict also every voter reachable and keeping
 * up). `leader` is weaker: a node that answers leads at the newest term any node reports, whether or
 * not the followers have acknowledged it yet.
 */
export function conditionHolds(view: ClusterView, until: WaitCondition): boolean {
  const report = view.report;
  if (until === 'healthy') return report.healthy;
  if (report.leader === null) return false;
  const newest = Math.max(0, ...report.nodes.map((n) => n.term ?? 0));
  return report.term >= newest;
}

export async function waitForStatus(client: AdminClient, options: WaitOptions): Promise<WaitOutcome> {
  const endAt = Date.now() + options.limitMs;
  for (;;) {
    const started = Date.now();
    let last: WaitOutcome;
    try {
      // The last sample still gets a real chance to hear answers, as the admin client's last survey does.
      const view = await sampleOnce(client, Math.max(MIN_SAMPLE_MS, Math.min(options.sampleBudgetMs, endAt - started)), options.strict);
      last = { met: conditionHolds(view, options.until), view };
      options.onSample?.(view, undefined);
    } catch (err) {
      // Nothing answered this time; an older view would describe a cluster that may be gone.
      last = { met: false, failure: err as Error };
      options.onSample?.(undefined, (err as Error).message);
    }
    if (last.met || Date.now() >= endAt) return last;
    const pause = Math.min(options.intervalMs - (Date.now() - started), endAt - Date.now());
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/**
 * The command's side of --wait: prints the final status table (JSON is the command's returned report),
 * and exits 0 once the condition holds, else 1 with one line on stderr saying what was not reached.
 * Nothing answering the last sample is thrown as that error (exit 1, naming the endpoints).
 */
export async function runStatusWait(client: AdminClient, options: Omit<WaitOptions, 'onSample'> & { json: boolean }): Promise<{ exitCode: number; report: ClusterReport }> {
  const progress = new ProgressLine(!options.json && process.stderr.isTTY === true);
  const endAt = Date.now() + options.limitMs;
  const outcome = await waitForStatus(client, {
    ...options,
    onSample: (view, failure) => progress.update(`waiting for ${options.until} (${formatDuration(Math.max(0, endAt - Date.now()))} left): ${view?.verdictLine ?? failure}`),
  });
  progress.clear();
  if (!outcome.view) throw outcome.failure ?? new Error('no sample was taken');
  if (!options.json) process.stdout.write(`${renderStatus(outcome.view)}\n`);
  if (outcome.met) return { exitCode: EXIT_OK, report: outcome.view.report };
  const what = options.until === 'healthy' ? `the cluster was not healthy${options.strict ? ' (--strict)' : ''}` : 'no leader';
  process.stderr.write(`Error: ${what} within ${formatDuration(options.limitMs)}; last verdict: ${outcome.view.verdictLine}\n`);
  return { exitCode: EXIT_FAILED, report: outcome.view.report };
}
