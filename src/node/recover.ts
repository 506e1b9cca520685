// Recovery from lost quorum on chronik data dirs: ranking the survivors' logs into a plan (which member
// to keep, what is at risk, what to run on each host), and applying it to the chosen member's stopped
// data dir by appending the new voter set to its WAL as configuration entries it commits at once.
import { OperationError, UsageError } from '../shared/errors.js';
import { applyChange, checkChange, describeChange } from '../raft/index.js';
import type { ConfChange, Entry, Membership } from '../raft/types.js';
import { dataDirState, openDataDir, readDataDir, type DataDirSummary } from './datadir.js';
import { DataDirLockedError, StorageCorruptError } from './errors.js';
import { rankSurvivors, type HostSteps, type RecoveryPlan } from '../shared/recovery.js';
import { memberTlsFlags, OPERATOR_TLS_FLAGS } from '../shared/client-tls.js';
import { membershipAt } from './membership.js';


/** Reads each data dir; a dir that is not chronik's is a usage error (exit 2). */
export function readSurvivors(dirs: readonly string[]): DataDirSummary[] {
  if (dirs.length === 0) throw new UsageError('no data dirs given', 'name the data dir of every surviving member');
  return dirs.map((dir) => {
    try {
      return readDataDir(dir);
    } catch (err) {
      if (err instanceof StorageCorruptError && err.offset === 0) throw new UsageError(`${dir}: ${err.reason}`);
      if (err instanceof StorageCorruptError) throw new OperationError(err.message, err.hint);
      throw new OperationError(`cannot read data dir ${dir}: ${(err as Error).message}`);
    }
  });
}

/**
 * `tls`: the cluster serves TLS (recover plan --tls), so the printed bootstrap lines carry each member's
 * pair and the CA, and add-voter https:// addresses and the operator's pair (files named as docs/node.md
 * makes them); the data dirs cannot tell, and plain command lines would bring a TLS cluster back without it.
 */
export function planRecovery(summaries: readonly DataDirSummary[], tls = false): RecoveryPlan {
  const clusters = [...new Set(summaries.map((s) => s.cluster))];
  if (clusters.length > 1) throw new UsageError(`the data dirs belong to different clusters: ${clusters.join(', ')}`);
  const ids = summaries.map((s) => s.nodeId);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate !== undefined) throw new UsageError(`two data dirs belong to node ${duplicate}`);
  // The newest configuration any survivor committed is the one a quorum was counted against last.
  const newest = [...summaries].sort((a, b) => b.membershipIndex - a.membershipIndex)[0] as DataDirSummary;
  const voters = [...newest.voters].sort((a, b) => a.id - b.id);
  const quorum = Math.floor(voters.length / 2) + 1;
  const survivingVoters = voters.filter((v) => ids.includes(v.id));
  if (voters.length > 0 && survivingVoters.length >= quorum) {
    throw new OperationError(
      `nothing to recover: nodes ${survivingVoters.map((v) => v.id).join(', ')} are ${survivingVoters.length} of the ${voters.length} voters, a quorum`,
      'start them with their usual chronik bootstrap command lines; they elect a leader by themselves',
    );
  }
  const addrOf = (id: number): string => voters.find((v) => v.id === id)?.addr ?? [...newest.learners].find((l) => l.id === id)?.addr ?? '?';
  const { survivors, best, risk } = rankSurvivors(
    summaries.map((s) => ({
      id: s.nodeId,
      dataDir: s.dir,
      addr: addrOf(s.nodeId),
      term: s.term,
      lastTerm: s.lastTerm,
      lastIndex: s.lastIndex,
      commit: s.commit,
      ...(s.lockedBy === undefined ? {} : { running: s.lockedBy }),
    })),
  );
  const memberTls = (id: number | string): string => (tls ? ` ${memberTlsFlags(id, true)}` : '');
  const steps: HostSteps[] = [
    {
      id: best.id,
      addr: best.addr,
      role: 'keep',
      dataDir: best.dataDir,
      survived: true,
      commands: [
        `chronik recover apply --data-dir ${best.dataDir} --voters ${best.id} --yes`,
        `chronik bootstrap --node-id ${best.id} --listen ${best.addr} --data-dir ${best.dataDir}${memberTls(best.id)}`,
      ],
    },
    ...[...voters.filter((v) => v.id !== best.id), ...newest.learners].map((member): HostSteps => {
      const survivor = survivors.find((s) => s.id === member.id);
      const dataDir = survivor?.dataDir ?? `./chronik-data/node-${member.id}`;
      return {
        id: member.id,
        addr: member.addr,
        role: 'rejoin',
        dataDir,
        survived: survivor !== undefined,
        commands: [
          ...(survivor ? [`mv ${dataDir} ${dataDir}.before-recovery`] : []),
          `chronik bootstrap --node-id ${member.id} --listen ${member.addr} --data-dir ${dataDir} --join${memberTls(member.id)}`,
          tls
            ? `chronik add-voter ${member.id}@https://${member.addr} --endpoints https://${best.addr} ${OPERATOR_TLS_FLAGS}`
            : `chronik add-voter ${member.id}@${member.addr} --endpoints ${best.addr}`,
        ],
      };
    }),
  ];
  return { kind: 'chronik', cluster: newest.cluster, voters, quorum, survivors, best, risk, steps };
}


export interface ApplyResult {
  kind: 'chronik';
  dataDir: string;
  id: number;
  previousVoters: number[];
  voters: number[];
  /** The configuration entries appended, committed by the hard state written with them. */
  entries: { index: number; term: number; change: string }[];
  term: number;
  commit: number;
}

/**
 * Appends, to a stopped node's WAL, the changes that turn its voter set into `voters` (removals of the
 * lost voters, promotions of surviving learners) at a term above any in its log, with a hard state
 * committing them: started again, the node counts only the new voters and elects itself.
 */
export async function applyRecovery(dir: string, voters: readonly number[]): Promise<ApplyResult> {
  const state = dataDirState(dir);
  if (state !== 'initialized') throw new UsageError(state === 'absent' ? `data dir ${dir} does not exist` : `${dir} is not a chronik data dir (no meta.json)`);
  let opened: Awaited<ReturnType<typeof openDataDir>>;
  try {
    opened = await openDataDir(dir, {});
  } catch (err) {
    if (err instanceof DataDirLockedError) throw new OperationError(`${err.message}: refusing to rewrite the voters of a running node`, `stop node (pid ${err.pid}) first, then run this again`);
    if (err instanceof StorageCorruptError) throw new OperationError(err.message, err.hint);
    throw new OperationError(`cannot open data dir ${dir}: ${(err as Error).message}`);
  }
  try {
    const { meta, contents, snapshot, wal } = opened;
    const current = membershipAt(contents.entries, Number.POSITIVE_INFINITY, snapshot?.meta).membership;
    const target = [...new Set(voters)].sort((a, b) => a - b);
    if (!target.includes(meta.nodeId)) throw new UsageError(`--voters must include this data dir's own node ${meta.nodeId}`, 'recovery keeps the node whose data dir this is');
    const members = [...current.voters, ...current.learners].map((m) => m.id);
    const unknown = target.filter((id) => !members.includes(id));
    if (unknown.length > 0) throw new UsageError(`node${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')} ${unknown.length > 1 ? 'are' : 'is'} not a member of this data dir's configuration`, 'add new members after recovery with chronik add-voter');
    const changes: ConfChange[] = [
      ...current.voters.filter((v) => !target.includes(v.id)).map((v): ConfChange => ({ type: 'remove', id: v.id })),
      ...current.learners.filter((l) => target.includes(l.id)).map((l): ConfChange => ({ type: 'promote', id: l.id })),
    ];
    const last = contents.entries.at(-1);
    const lastIndex = last?.index ?? contents.base;
    const lastTerm = last?.term ?? snapshot?.meta.term ?? 0;
    const previousVoters = current.voters.map((v) => v.id);
    if (changes.length === 0) {
      return { kind: 'chronik', dataDir: dir, id: meta.nodeId, previousVoters, voters: previousVoters, entries: [], term: contents.hardState.term, commit: contents.hardState.commit };
    }
    // A term no other member can have used: the new entries can never be confused with a lost leader's.
    const term = Math.max(contents.hardState.term, lastTerm) + 1;
    let membership: Membership = current;
    const entries: Entry[] = changes.map((change, i) => {
      const problem = checkChange(membership, change);
      if (problem !== undefined) throw new OperationError(`cannot ${describeChange(change)}: ${problem}`);
      membership = applyChange(membership, change);
      return { type: 'conf-change', term, index: lastIndex + 1 + i, change };
    });
    const commit = lastIndex + entries.length;
    await wal.append(entries, { term, vote: 0, commit });
    opened.saveMembership(membership, commit);
    return {
      kind: 'chronik',
      dataDir: dir,
      id: meta.nodeId,
      previousVoters,
      voters: membership.voters.map((v) => v.id),
      entries: entries.map((e) => ({ index: e.index, term: e.term, change: e.type === 'conf-change' ? describeChange(e.change) : 'normal' })),
      term,
      commit,
    };
  } finally {
    await opened.close();
  }
}
