// The checks no single endpoint can make, only a comparison of the answers of one cluster's nodes: two
// nodes that both believe they lead. (Members of another cluster: cluster-status.ts, CLUSTER_ID_MISMATCH.)
import type { Problem } from '../shared/problem.js';
import type { SampleStatus } from './sample.js';

export function leaderConflicts(ours: readonly SampleStatus[]): Problem[] {
  const problems: Problem[] = [];
  const [current, ...others] = ours.filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term);
  for (const other of others) {
    if (current && other.term === current.term) {
      problems.push({ code: 'SPLIT_BRAIN', message: `nodes ${current.id} and ${other.id} both lead at term ${current.term}: a safety violation` });
    } else if (current) {
      problems.push({ code: 'STALE_LEADER', message: `node ${other.id} still believes it leads at term ${other.term}, node ${current.id} leads at term ${current.term}: it is cut off from the others` });
    }
  }
  return problems;
}
