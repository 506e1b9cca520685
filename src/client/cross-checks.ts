// The checks no single endpoint can make, only a comparison of their answers: members of another
// cluster in the endpoint list, and two nodes that both believe they lead.
import type { Problem } from '../shared/problem.js';
import { clusterIdOf, type SampleStatus, type StatusSample } from './sample.js';

/**
 * The answers that belong to the cluster being inspected: when answers carry different cluster IDs,
 * the ID most answering nodes share (ties: the first endpoint's), so one stray endpoint of another
 * cluster cannot decide who leads.
 */
export function mainCluster(samples: readonly StatusSample[]): SampleStatus[] {
  const statuses = samples.flatMap((s) => (s.status ? [s.status] : []));
  const counts = new Map<string | undefined, number>();
  for (const s of statuses) if (clusterIdOf(s) !== undefined) counts.set(clusterIdOf(s), (counts.get(clusterIdOf(s)) ?? 0) + 1);
  if (counts.size <= 1) return statuses;
  let best = statuses.map(clusterIdOf).find((id) => id !== undefined);
  for (const [id, count] of counts) if (count > (counts.get(best) ?? 0)) best = id;
  return statuses.filter((s) => clusterIdOf(s) === best || clusterIdOf(s) === undefined);
}

export function crossCheck(samples: readonly StatusSample[], main: readonly SampleStatus[]): Problem[] {
  const problems: Problem[] = [];
  const mainId = main.map(clusterIdOf).find((id) => id !== undefined);
  for (const sample of samples) {
    const s = sample.status;
    if (!s || main.includes(s) || clusterIdOf(s) === undefined || mainId === undefined) continue;
    problems.push({
      code: 'CLUSTER_ID_MISMATCH',
      message: `node ${s.id}${s.name ? ` (${s.name})` : ''} at ${sample.endpoint} belongs to cluster ${s.clusterId}, the other members to cluster ${mainId}: it was started with another initial cluster or token, or the endpoint list is wrong`,
    });
  }
  const leaders = main.filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term);
  const [current, ...others] = leaders;
  for (const other of others) {
    if (current && other.term === current.term) {
      problems.push({ code: 'SPLIT_BRAIN', message: `nodes ${current.id} and ${other.id} both lead at term ${current.term}: a safety violation` });
    } else if (current) {
      problems.push({ code: 'STALE_LEADER', message: `node ${other.id} still believes it leads at term ${other.term}, node ${current.id} leads at term ${current.term}: it is cut off from the others` });
    }
  }
  return problems;
}
