// Safe membership changes: add-voter as learner -> caught up -> promoted (with rollback), and the
// checks around remove-voter and transfer-leader that the node alone would report less helpfully.
import { formatDuration } from '../shared/duration.js';
import { OperationError } from '../shared/errors.js';
import { sleep, type AdminClient } from './admin-client.js';
import { ApiError, UnreachableError } from './http.js';
import type { MemberAddr, MembersView } from '../shared/http-api.js';

export interface MembershipOutcome {
  changed: boolean;
  voters: MemberAddr[];
  learners: MemberAddr[];
  leader: number;
  term: number;
}

export interface AddVoterHooks {
  /** Replaces the progress line ("learner 4 at index 812/1040"). */
  progress(text: string): void;
  /** A one-time notice for the operator (stderr), e.g. how to start the node. */
  notice(text: string): void;
  /** The command line that starts the new node so that it joins. */
  startCommand: string;
}

const POLL_MS = 200;
/** A rollback always gets at least this long, even when the catch-up wait used up --timeout. */
const ROLLBACK_MIN_MS = 5000;

/** The time kept back from the catch-up wait so that a rollback still fits inside --timeout. */
function rollbackReserveMs(timeoutMs: number): number {
  return Math.min(5000, Math.floor(timeoutMs / 4));
}

export async function addVoter(client: AdminClient, target: MemberAddr, timeoutMs: number, hooks: AddVoterHooks): Promise<MembershipOutcome> {
  const before = await client.members();
  const asVoter = before.voters.find((m) => m.id === target.id);
  const asLearner = before.learners.find((m) => m.id === target.id);
  const existing = asVoter ?? asLearner;
  if (existing && existing.addr !== target.addr) {
    throw new OperationError(
      `node ${target.id} is already a ${asVoter ? 'voter' : 'learner'} at ${existing.addr}, not ${target.addr}`,
      `to move it, remove it first: chronik remove-voter ${target.id}`,
    );
  }
  if (asVoter) return outcome(false, before);
  const addrOwner = [...before.voters, ...before.learners].find((m) => m.addr === target.addr && m.id !== target.id);
  if (addrOwner) throw new OperationError(`${target.addr} already belongs to member ${addrOwner.id}`, 'each member needs its own address');
  refuseIfChanging(before);
  // A learner is an add-voter half done (another operator's, or one that crashed): one change at a time.
  const otherLearner = before.learners.find((m) => m.id !== target.id);
  if (otherLearner) {
    throw new OperationError(
      `another membership change is in flight: learner ${otherLearner.id} (${otherLearner.addr}) has not been promoted yet`,
      `wait for it to finish, or remove it with chronik remove-voter ${otherLearner.id}`,
    );
  }

  let addedHere = false;
  if (!asLearner) {
    await client.changeMembership({ type: 'add-learner', id: target.id, addr: target.addr });
    addedHere = true;
  }
  const caughtUp = await waitCaughtUp(client, target, client.deadline - rollbackReserveMs(timeoutMs), hooks);
  if (caughtUp !== true) {
    hooks.progress('');
    const rolledBack = addedHere ? await rollback(client, target.id) : 'the learner was there before this command; left in place';
    const why =
      caughtUp.reachable === false
        ? `node ${target.id} at ${target.addr} did not answer (${caughtUp.error})`
        : `node ${target.id} did not catch up within ${formatDuration(timeoutMs)} (at index ${caughtUp.match}/${caughtUp.goal})`;
    throw new OperationError(`${why}; ${rolledBack}`, caughtUp.reachable === false ? `start it first: ${hooks.startCommand}` : 'retry with a longer --timeout');
  }
  hooks.progress(`learner ${target.id} caught up; promoting to voter`);
  await client.changeMembership({ type: 'promote', id: target.id });
  const after = await client.members();
  hooks.progress('');
  if (!after.voters.some((m) => m.id === target.id)) {
    throw new OperationError(`the promotion of node ${target.id} was acknowledged but it is not a voter in the leader's view`, 'run chronik status');
  }
  return outcome(true, after);
}

interface Lagging {
  reachable: boolean;
  error?: string;
  match: number;
  goal: number;
}

/**
 * Waits until the leader reports the learner's log matching the commit index it had when the wait
 * began. The goal is fixed so a busy cluster cannot keep moving it out of reach.
 */
async function waitCaughtUp(client: AdminClient, target: MemberAddr, until: number, hooks: AddVoterHooks): Promise<true | Lagging> {
  let goal: number | undefined;
  let noticed = false;
  for (;;) {
    const [leader, reachability] = await Promise.all([client.findLeader(), probe(client, target.addr)]);
    goal ??= leader.status.commitIndex;
    const progress = leader.status.progress?.find((p) => p.id === target.id);
    const match = progress?.match ?? 0;
    const state: Lagging = { reachable: reachability.reachable, error: reachability.error, match, goal };
    if (!reachability.reachable && !noticed) {
      noticed = true;
      hooks.notice(`node ${target.id} at ${target.addr} does not answer (${reachability.error}); start it with:\n  ${hooks.startCommand}`);
    }
    if (reachability.reachable && match >= goal) return true;
    hooks.progress(`learner ${target.id} at index ${match}/${goal}${reachability.reachable ? '' : ' (not answering)'}`);
    if (Date.now() + POLL_MS >= until) return state;
    await sleep(POLL_MS);
  }
}

async function probe(client: AdminClient, addr: string): Promise<{ reachable: boolean; error?: string }> {
  try {
    await client.nodeStatus(addr, 1000);
    return { reachable: true };
  } catch (err) {
    if (err instanceof UnreachableError) return { reachable: false, error: err.reason };
    return { reachable: true };
  }
}

async function rollback(client: AdminClient, id: number): Promise<string> {
  client.extendDeadline(ROLLBACK_MIN_MS);
  try {
    await client.changeMembership({ type: 'remove', id });
    return `removed learner ${id} again`;
  } catch (err) {
    return `removing learner ${id} again failed too (${(err as Error).message}); remove it with chronik remove-voter ${id}`;
  }
}

function refuseIfChanging(view: MembersView): void {
  if (view.pendingConfChange) {
    throw new OperationError('another membership change is in flight', 'wait until it is applied (chronik status), then retry');
  }
}

export interface RemoveOutcome extends MembershipOutcome {
  warnings: string[];
}

export async function removeVoter(client: AdminClient, id: number): Promise<RemoveOutcome> {
  const before = await client.members();
  const isVoter = before.voters.some((m) => m.id === id);
  const isLearner = before.learners.some((m) => m.id === id);
  if (!isVoter && !isLearner) {
    throw new OperationError(`node ${id} is not a member (voters: ${before.voters.map((m) => m.id).join(', ') || 'none'})`);
  }
  if (isVoter && before.voters.length === 1) {
    throw new OperationError(`node ${id} is the last voter; removing it would leave a cluster that can never elect a leader`, 'add another voter first');
  }
  refuseIfChanging(before);
  await client.changeMembership({ type: 'remove', id });
  const after = await client.members();
  return { ...outcome(true, after), warnings: isVoter ? faultToleranceWarnings(after.voters.length) : [] };
}

/** What an operator should know about the voter count a removal leaves behind. */
export function faultToleranceWarnings(voters: number): string[] {
  const warnings: string[] = [];
  const tolerated = Math.floor((voters - 1) / 2);
  if (tolerated === 0) {
    warnings.push(`${voters} voter${voters === 1 ? '' : 's'} cannot tolerate any failure: losing one stops the cluster`);
  } else if (voters % 2 === 0) {
    warnings.push(`${voters} voters tolerate ${tolerated} failure${tolerated === 1 ? '' : 's'}, no more than ${voters - 1} would; an odd count is better`);
  }
  return warnings;
}

export async function transferLeader(client: AdminClient, id: number): Promise<{ changed: boolean; leader: number; term: number }> {
  const before = await client.members();
  if (!before.voters.some((m) => m.id === id)) {
    throw new OperationError(`node ${id} is not a voter (voters: ${before.voters.map((m) => m.id).join(', ') || 'none'})`, 'only a voter can lead');
  }
  if (before.leader === id) return { changed: false, leader: id, term: before.term };
  try {
    const result = await client.transferLeader(id);
    return { changed: true, leader: result.leader, term: result.term };
  } catch (err) {
    if (err instanceof ApiError && err.code === 'TIMEOUT') {
      throw new OperationError(`leadership did not move to node ${id} in time: ${err.message}`, `check that node ${id} is up and caught up (chronik status)`);
    }
    throw err;
  }
}

function outcome(changed: boolean, view: MembersView): MembershipOutcome {
  return { changed, voters: view.voters, learners: view.learners, leader: view.leader, term: view.term };
}
