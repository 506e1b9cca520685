// Maps what the node answered (docs/http-api.md error codes) to SPEC.md's exit codes and one-line messages.
import { ChronikError, OperationError, UsageError } from '../shared/errors.js';
import { ApiError, UnreachableError, type ClientErrorCode } from './http.js';
import { unreachableError } from './admin-client.js';

const HINTS: Partial<Record<ClientErrorCode, string>> = {
  UNAUTHORIZED: 'set CHRONIK_TOKEN or --token-file to the cluster token',
  CHANGE_IN_PROGRESS: 'wait until the other membership change is applied (chronik status), then retry',
  TIMEOUT: 'the request may still commit later; check with chronik status or chronik get',
  NO_LEADER: 'run chronik status to see which voters are down',
  UNAVAILABLE: 'the node is stopping or its storage failed; check its log',
  CLUSTER_ID_MISMATCH: 'a member of another cluster answered: check --endpoints and each node\'s --data-dir (chronik status shows every cluster ID)',
  INTERNAL: 'the node hit an internal error: its log has a `request failed` line',
};

/** Any error from the client, as the ChronikError BaseCommand renders: 2 for bad input, 1 otherwise. */
export function toCliError(err: unknown): Error {
  if (err instanceof ChronikError) return err;
  if (err instanceof UnreachableError) return unreachableError([err]);
  if (err instanceof ApiError) {
    const message = err.message.replace(/\.$/, '');
    if (err.code === 'BAD_REQUEST' || err.code === 'TOO_LARGE') return new UsageError(message);
    const where = err.code === 'UNAUTHORIZED' ? `${err.endpoint} refused the request: ${message}` : message;
    return new OperationError(where, HINTS[err.code]);
  }
  return err instanceof Error ? err : new OperationError(String(err));
}
