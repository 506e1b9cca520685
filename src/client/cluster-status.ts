// Turns one survey of the nodes into SPEC.md's status report: who leads, whether a quorum of voters
// acknowledges it, and a problem list. Pure, so every verdict can be tested from plain data.
import type { EndpointSample } from './admin-client.js';
import type { Problem } from '../shared/problem.js';
import type { MemberKind, NodeRole, NodeStatus } from '../shared/http-api.js';

/** A follower further than this many entries behind the leader's commit index counts as lagging. */
export const LAG_THRESHOLD = 100;

export type NodeHealth = 'ok' | 'lagging' | 'unreachable' | 'no leader' | 'not a member' | 'stale' | 'no voters';

export interface NodeReport {
  id: number | null;
  endpoint: string;
  reachable: boolean;
  role?: NodeRole;
  member?: MemberKind;
  term?: number;
  leader?: number | null;
  commitIndex?: number;
  appliedIndex?: number;
  lastIndex?: number;
  voters?: number[];
  learners?: number[];
  clusterId?: string | null;
  error?: string;
}

export type VerdictKind = 'healthy' | 'degraded' | 'no-leader' | 'no-quorum' | 'no-voters';

export interface ClusterReport {
  healthy: boolean;
  /** The cluster ID most answering nodes share (the cluster this report describes), when any node names one. */
  clusterId?: string;
  leader: number | null;
  term: number;
  voters: number[];
  learners: number[];
  problems: Problem[];
  nodes: NodeReport[];
}

/** The report plus what only the human view shows. */
export interface ClusterView {
  report: ClusterReport;
  verdict: VerdictKind;
  verdictLine: string;
  /** Per node, same order as report.nodes. */
  lag: (number | null)[];
  health: NodeHealth[];
}

/** Problems that fail `status --strict` although a quorum acknowledges the leader. */
const STRICT_CODES = ['VOTER_UNREACHABLE', 'VOTER_LAGGING', 'CLUSTER_ID_MISMATCH', 'COMMITTED_ENTRY_CONFLICT'];

export function buildClusterView(samples: EndpointSample[], options: { strict?: boolean } = {}): ClusterView {
  const statuses = samples.flatMap((s) => (s.status ? [s.status] : []));
  // Endpoints may reach members of two clusters: the report describes the one most of them belong to.
  const mainId = mostCommon(statuses.flatMap((s) => (s.clusterId ? [s.clusterId] : [])));
  const ours = statuses.filter((s) => mainId === undefined || !s.clusterId || s.clusterId === mainId);
  const leaderStatus = [...ours].filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term)[0];
  const view = leaderStatus ?? [...ours].sort((a, b) => b.term - a.term)[0];
  const voters = [...(view?.voters ?? [])].sort((a, b) => a - b);
  const learners = [...(view?.learners ?? [])].sort((a, b) => a - b);
  const term = Math.max(0, ...statuses.map((s) => s.term));
  const addrOf = new Map((view?.members ?? []).map((m) => [m.id, m.addr]));
  const problems: Problem[] = [];

  // One row per member of the freshest membership, then any other endpoint that answered or was asked.
  const nodes: NodeReport[] = [];
  const seenEndpoints = new Set<string>();
  const byId = new Map<number, EndpointSample>();
  for (const sample of samples) if (sample.status && ours.includes(sample.status) && !byId.has(sample.status.id)) byId.set(sample.status.id, sample);
  const memberIds = [...voters, ...learners].sort((a, b) => a - b);
  for (const id of memberIds) {
    const sample = byId.get(id) ?? samples.find((s) => !s.status && s.endpoint === addrOf.get(id));
    const endpoint = sample?.endpoint ?? addrOf.get(id) ?? '?';
    seenEndpoints.add(endpoint);
    if (addrOf.has(id)) seenEndpoints.add(addrOf.get(id) as string);
    nodes.push(sample?.status ? reachableRow(sample.endpoint, sample.status) : unreachableRow(id, endpoint, voters.includes(id) ? 'voter' : 'learner', sample?.error ?? 'not asked'));
  }
  for (const sample of samples) {
    if (seenEndpoints.has(sample.endpoint) || (sample.status && memberIds.includes(sample.status.id))) continue;
    if (sample.status && ours.includes(sample.status) && nodes.some((n) => n.id === sample.status?.id)) continue;
    seenEndpoints.add(sample.endpoint);
    nodes.push(sample.status ? reachableRow(sample.endpoint, sample.status) : unreachableRow(null, sample.endpoint, undefined, sample.error ?? 'no answer'));
  }

  const leaderId = leaderStatus?.id ?? null;
  const quorum = Math.floor(voters.length / 2) + 1;
  const reachableVoters = voters.filter((id) => byId.has(id));
  const clusterId = mainId ?? null;
  // A node of another cluster, or one that refuses the leader's log, does not acknowledge that leader.
  const foreign = (s: NodeStatus): boolean => clusterId !== null && s.clusterId !== undefined && s.clusterId !== null && s.clusterId !== clusterId;
  const acknowledging = leaderStatus
    ? voters.filter((id) => {
        const s = byId.get(id)?.status;
        return s !== undefined && !foreign(s) && !s.divergence && s.term === leaderStatus.term && (s.id === leaderStatus.id || s.leader === leaderStatus.id);
      })
    : [];

  const lag: (number | null)[] = [];
  const health: NodeHealth[] = [];
  for (const node of nodes) {
    const nodeLag = leaderStatus && node.reachable && node.appliedIndex !== undefined ? Math.max(0, leaderStatus.commitIndex - node.appliedIndex) : null;
    lag.push(nodeLag);
    health.push(healthOf(node, nodeLag, leaderStatus, memberIds));
  }

  for (const node of nodes) {
    if (!node.reachable) {
      const what = node.member === 'voter' ? 'voter' : node.member === 'learner' ? 'learner' : 'endpoint';
      const code = what === 'voter' ? 'VOTER_UNREACHABLE' : what === 'learner' ? 'LEARNER_UNREACHABLE' : 'ENDPOINT_UNREACHABLE';
      problems.push({ code, message: `${what}${node.id === null ? '' : ` ${node.id}`} at ${node.endpoint} is unreachable: ${node.error}` });
    } else if (node.voters !== undefined && node.voters.length === 0 && node.member !== 'none') {
      problems.push({ code: 'EMPTY_VOTERS', message: `node ${node.id} runs with an empty voter set and can never elect a leader` });
    }
  }
  nodes.forEach((node, i) => {
    const nodeLag = lag[i];
    if (node.reachable && nodeLag !== null && nodeLag !== undefined && nodeLag > LAG_THRESHOLD && node.id !== leaderId) {
      const code = node.member === 'voter' ? 'VOTER_LAGGING' : 'LEARNER_LAGGING';
      problems.push({ code, message: `${node.member} ${node.id} is ${nodeLag} entries behind the leader's commit index ${leaderStatus?.commitIndex}` });
    }
    if (node.reachable && node.id !== null && !memberIds.includes(node.id)) {
      const next = node.member === 'none' ? `add it with chronik add-voter ${node.id}@${node.endpoint}` : 'it was removed; stop it, or add it back with chronik add-voter';
      problems.push({ code: 'NOT_A_MEMBER', message: `node ${node.id} at ${node.endpoint} answers but is not a member; ${next}` });
    }
  });
  for (const { status: s, endpoint } of samples) {
    if (s === undefined) continue;
    if (foreign(s)) {
      problems.push({ code: 'CLUSTER_ID_MISMATCH', message: `node ${s.id} at ${endpoint} is in cluster ${s.clusterId}, not ${clusterId}: it belongs to another cluster (check its --data-dir and --peers)` });
      continue;
    }
    if (s.divergence) {
      const d = s.divergence;
      problems.push({
        code: 'COMMITTED_ENTRY_CONFLICT',
        message: `node ${s.id} refuses node ${d.peer}: it was asked to overwrite committed index ${d.index} (term ${d.localTerm} there, ${d.leaderTerm} from ${d.peer}) at ${d.at}; see docs/runbooks/COMMITTED_ENTRY_CONFLICT.md`,
      });
    }
  }
  const disagreeing = nodes.filter((n) => n.reachable && n.member === 'voter' && n.id !== null && memberIds.includes(n.id) && n.voters && n.voters.length > 0 && !sameSet(n.voters, voters));
  if (disagreeing.length > 0) {
    problems.push({ code: 'VOTER_MISMATCH', message: `node${disagreeing.length > 1 ? 's' : ''} ${disagreeing.map((n) => n.id).join(', ')} see${disagreeing.length > 1 ? '' : 's'} voters [${disagreeing[0]?.voters?.join(',')}], the leader's view is [${voters.join(',')}]` });
  }

  let verdict: VerdictKind;
  let verdictLine: string;
  const reachableText = `${reachableVoters.length}/${voters.length} voters reachable`;
  if (statuses.length > 0 && voters.length === 0) {
    verdict = 'no-voters';
    if (statuses.every((s) => s.member === 'none')) {
      // Nodes started with --join: waiting to be added is their normal state, not the empty-voters bug.
      verdictLine = `NO VOTERS KNOWN: only nodes waiting to join answer (${statuses.map((s) => s.id).join(', ')}); ask a member, or add them with chronik add-voter`;
    } else {
      verdictLine = `NO VOTERS: the nodes that answer have an empty voter set and can never elect a leader`;
      if (!problems.some((p) => p.code === 'EMPTY_VOTERS')) problems.unshift({ code: 'EMPTY_VOTERS', message: 'no answering node knows any voter' });
    }
  } else if (!leaderStatus) {
    verdict = 'no-leader';
    const claimed = statuses.find((s) => s.leader > 0 && s.term === term)?.leader;
    verdictLine = `NO LEADER: ${reachableText}, quorum needs ${quorum}`;
    problems.unshift({
      code: 'NO_LEADER',
      message: claimed !== undefined ? `followers name leader ${claimed} at term ${term} but it does not answer; ${reachableText}, quorum needs ${quorum}` : `no node leads at term ${term}; ${reachableText}, quorum needs ${quorum}`,
    });
  } else if (acknowledging.length < quorum) {
    verdict = 'no-quorum';
    verdictLine = `NO QUORUM: leader ${leaderStatus.id} at term ${leaderStatus.term} is acknowledged by ${acknowledging.length}/${voters.length} voters, quorum needs ${quorum}`;
    problems.unshift({ code: 'NO_QUORUM', message: verdictLine.slice('NO QUORUM: '.length) });
  } else {
    const troubled = problems.length > 0;
    verdict = troubled ? 'degraded' : 'healthy';
    verdictLine = `${verdict}: leader ${leaderStatus.id} at term ${leaderStatus.term}, ${reachableText}`;
    if (troubled) verdictLine += `; ${problems.map((p) => p.code).join(', ')}`;
  }
  const strictFailure = options.strict === true && problems.some((p) => STRICT_CODES.includes(p.code));
  const healthy = (verdict === 'healthy' || verdict === 'degraded') && !strictFailure;
  if (strictFailure && verdict === 'degraded') verdictLine = `UNHEALTHY (--strict): ${verdictLine.slice('degraded: '.length)}`;

  return {
    report: { healthy, ...(clusterId !== null ? { clusterId } : {}), leader: leaderId, term: leaderStatus?.term ?? term, voters, learners, problems, nodes },
    verdict,
    verdictLine,
    lag,
    health,
  };
}

function reachableRow(endpoint: string, s: NodeStatus): NodeReport {
  return {
    id: s.id,
    endpoint,
    reachable: true,
    role: s.role,
    member: s.member,
    term: s.term,
    leader: s.leader > 0 ? s.leader : null,
    commitIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
    lastIndex: s.lastIndex,
    voters: [...s.voters].sort((a, b) => a - b),
    learners: [...s.learners].sort((a, b) => a - b),
    ...(s.clusterId ? { clusterId: s.clusterId } : {}),
  };
}

function unreachableRow(id: number | null, endpoint: string, member: MemberKind | undefined, error: string): NodeReport {
  return { id, endpoint, reachable: false, ...(member ? { member } : {}), error };
}

function healthOf(node: NodeReport, lag: number | null, leader: NodeStatus | undefined, memberIds: number[]): NodeHealth {
  if (!node.reachable) return 'unreachable';
  if (node.voters !== undefined && node.voters.length === 0 && node.member !== 'none') return 'no voters';
  if (node.member === 'none' || (node.id !== null && !memberIds.includes(node.id))) return 'not a member';
  if (!leader || node.leader === null) return 'no leader';
  if (node.term !== leader.term || (node.id !== leader.id && node.leader !== leader.id)) return 'stale';
  if (lag !== null && lag > LAG_THRESHOLD) return 'lagging';
  return 'ok';
}

/** The most frequent value; on a tie, the first seen. */
export function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best: string | undefined;
  for (const [value, count] of counts) if (best === undefined || count > (counts.get(best) ?? 0)) best = value;
  return best;
}

function sameSet(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
