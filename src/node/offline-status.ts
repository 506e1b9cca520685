// `status --data-dir`: a stopped node's disk state (read by the node's own offline reader) judged like a live
// one: an empty voter set is the failure chronik exists to catch.
import { existsSync } from 'node:fs';
import { OperationError, UsageError } from '../shared/errors.js';
import { StorageCorruptError } from './errors.js';
import { readDataDir, type DataDirSummary } from './datadir.js';
import type { Problem } from '../shared/problem.js';

export interface OfflineReport {
  healthy: boolean;
  dataDir: string;
  id: number;
  cluster: string;
  clusterId: string | null;
  term: number;
  vote: number | null;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  lastTerm: number;
  snapshotIndex: number;
  voters: number[];
  learners: number[];
  members: { id: number; addr: string; role: 'voter' | 'learner' }[];
  membershipIndex: number;
  walBytes: number;
  walSegments: number;
  /** pid of a live node holding the dir: then the figures are a moment's snapshot. */
  lockedBy: number | null;
  problems: Problem[];
}

export function readOfflineStatus(dir: string): OfflineReport {
  if (!existsSync(dir)) throw new UsageError(`data dir ${dir} does not exist`);
  let summary: DataDirSummary;
  try {
    summary = readDataDir(dir);
  } catch (err) {
    if (err instanceof StorageCorruptError) {
      if (err.offset === 0 && /not a chronik data dir/.test(err.reason)) throw new UsageError(`${dir} is not a chronik data dir (no meta.json)`);
      throw new OperationError(err.message, err.hint);
    }
    throw new OperationError(`cannot read data dir ${dir}: ${(err as Error).message}`);
  }
  return judgeDataDir(summary);
}

export function judgeDataDir(summary: DataDirSummary): OfflineReport {
  const voters = summary.voters.map((m) => m.id).sort((a, b) => a - b);
  const learners = summary.learners.map((m) => m.id).sort((a, b) => a - b);
  const problems: Problem[] = [];
  if (voters.length === 0) {
    problems.push({
      code: 'EMPTY_VOTERS',
      message: `node ${summary.nodeId} has an empty voter set on disk: started this way it can never elect a leader`,
    });
  } else if (!voters.includes(summary.nodeId) && !learners.includes(summary.nodeId)) {
    problems.push({ code: 'NOT_A_MEMBER', message: `node ${summary.nodeId} is not in its own persisted membership (voters ${voters.join(', ')}): it was removed, or never added` });
  }
  if (summary.tornTail) {
    problems.push({
      code: 'TORN_TAIL',
      message: `${summary.tornTail.file} ends in a torn record at offset ${summary.tornTail.offset} (${summary.tornTail.bytes} bytes); the next start truncates it (it was never acknowledged)`,
    });
  }
  return {
    healthy: voters.length > 0,
    dataDir: summary.dir,
    id: summary.nodeId,
    cluster: summary.cluster,
    clusterId: summary.clusterId,
    term: summary.term,
    vote: summary.vote > 0 ? summary.vote : null,
    commitIndex: summary.commit,
    appliedIndex: summary.applied,
    lastIndex: summary.lastIndex,
    lastTerm: summary.lastTerm,
    snapshotIndex: summary.snapshotIndex,
    voters,
    learners,
    members: [
      ...summary.voters.map((m) => ({ ...m, role: 'voter' as const })),
      ...summary.learners.map((m) => ({ ...m, role: 'learner' as const })),
    ].sort((a, b) => a.id - b.id),
    membershipIndex: summary.membershipIndex,
    walBytes: summary.walBytes,
    walSegments: summary.walSegments,
    lockedBy: summary.lockedBy ?? null,
    problems,
  };
}
