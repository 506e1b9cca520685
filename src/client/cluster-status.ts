// Turns one survey of the nodes into SPEC.md's status report: who leads, whether a quorum of voters
// acknowledges it, and a problem list. Pure, so every verdict can be tested from plain data. The same
// verdict serves chronik and every attached product (src/client/attach/): each turns its answers into
// SampleStatus rows first.
import { crossCheck, mainCluster } from './cross-checks.js';
import { clusterIdOf, compareIds, isLeaderId, type MemberId, type ProductKind, type StatusSample, type SampleStatus } from './sample.js';
import type { Problem } from '../shared/problem.js';
import type { MemberKind, NodeRole } from '../shared/http-api.js';

export type { MemberId, ProductKind, SampleStatus, StatusSample } from './sample.js';

/** A follower further than this many entries behind the leader's commit index counts as lagging. */
export const LAG_THRESHOLD = 100;

export type NodeHealth = 'ok' | 'lagging' | 'unreachable' | 'no leader' | 'not a member' | 'stale' | 'no voters' | 'other cluster';

export interface NodeReport {
  id: MemberId | null;
  /** The product's member name, where it has one (etcd --name, Consul node name). */
  name?: string;
  endpoint: string;
  reachable: boolean;
  role?: NodeRole;
  member?: MemberKind;
  term?: number;
  leader?: MemberId | null;
  commitIndex?: number;
  appliedIndex?: number;
  lastIndex?: number;
  voters?: MemberId[];
  learners?: MemberId[];
  clusterId?: string;
  error?: string;
}

export type VerdictKind = 'healthy' | 'degraded' | 'no-leader' | 'no-quorum' | 'no-voters';

export interface ClusterReport {
  kind: ProductKind;
  clusterId?: string;
  healthy: boolean;
  leader: MemberId | null;
  term: number;
  voters: MemberId[];
  learners: MemberId[];
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

export function buildClusterView(samples: StatusSample[], options: { strict?: boolean; kind?: ProductKind } = {}): ClusterView {
  // Nodes of another cluster answer too when an endpoint list is wrong: they must not pick the leader.
  const statuses = mainCluster(samples);
  const leaderStatus = [...statuses].filter((s) => s.role === 'leader').sort((a, b) => b.term - a.term)[0];
  const view = leaderStatus ?? [...statuses].sort((a, b) => b.term - a.term)[0];
  const voters = [...(view?.voters ?? [])].sort(compareIds);
  const learners = [...(view?.learners ?? [])].sort(compareIds);
  const term = Math.max(0, ...statuses.map((s) => s.term));
  const addrOf = new Map((view?.members ?? []).map((m) => [m.id, m.addr]));
  const nameOf = new Map((view?.members ?? []).flatMap((m) => (m.name === undefined ? [] : [[m.id, m.name] as const])));
  const problems: Problem[] = [];

  // One row per member of the freshest membership, then any other endpoint that answered or was asked.
  const nodes: NodeReport[] = [];
  const seenEndpoints = new Set<string>();
  const byId = new Map<MemberId, StatusSample>();
  for (const sample of samples) if (sample.status && statuses.includes(sample.status) && !byId.has(sample.status.id)) byId.set(sample.status.id, sample);
  const memberIds = [...voters, ...learners].sort(compareIds);
  for (const id of memberIds) {
    const sample = byId.get(id) ?? samples.find((s) => !s.status && s.endpoint === addrOf.get(id));
    const endpoint = sample?.endpoint ?? (addrOf.get(id) || '?');
    seenEndpoints.add(endpoint);
    if (addrOf.has(id)) seenEndpoints.add(addrOf.get(id) as string);
    nodes.push(sample?.status ? reachableRow(sample.endpoint, sample.status) : unreachableRow(id, nameOf.get(id), endpoint, voters.includes(id) ? 'voter' : 'learner', sample?.error ?? 'not asked'));
  }
  for (const sample of samples) {
    const ours = sample.status !== undefined && statuses.includes(sample.status);
    if (seenEndpoints.has(sample.endpoint) || (ours && memberIds.includes(sample.status?.id ?? ''))) continue;
    if (ours && nodes.some((n) => n.id === sample.status?.id)) continue;
    seenEndpoints.add(sample.endpoint);
    nodes.push(sample.status ? reachableRow(sample.endpoint, sample.status) : unreachableRow(null, undefined, sample.endpoint, undefined, sample.error ?? 'no answer'));
  }

  const leaderId = leaderStatus?.id ?? null;
  const clusterId = leaderStatus !== undefined || view !== undefined ? clusterIdOf((leaderStatus ?? view) as SampleStatus) : undefined;
  const foreign = (node: NodeReport): boolean => node.clusterId !== undefined && clusterId !== undefined && node.clusterId !== clusterId;
  const quorum = Math.floor(voters.length / 2) + 1;
  const reachableVoters = voters.filter((id) => byId.has(id));
  const acknowledging = leaderStatus
    ? voters.filter((id) => {
        const s = byId.get(id)?.status;
        // A node that refuses the leader's log (COMMITTED_ENTRY_CONFLICT) does not acknowledge it.
        return s !== undefined && !s.divergence && s.term === leaderStatus.term && (s.id === leaderStatus.id || s.leader === leaderStatus.id);
      })
    : [];

  const lag: (number | null)[] = [];
  const health: NodeHealth[] = [];
  for (const node of nodes) {
    const nodeLag = leaderStatus && node.reachable && !foreign(node) && node.appliedIndex !== undefined ? Math.max(0, leaderStatus.commitIndex - node.appliedIndex) : null;
    lag.push(nodeLag);
    health.push(foreign(node) ? 'other cluster' : healthOf(node, nodeLag, leaderStatus, memberIds));
  }

  for (const node of nodes) {
    if (!node.reachable) {
      const what = node.member === 'voter' ? 'voter' : node.member === 'learner' ? 'learner' : 'endpoint';
      const code = what === 'voter' ? 'VOTER_UNREACHABLE' : what === 'learner' ? 'LEARNER_UNREACHABLE' : 'ENDPOINT_UNREACHABLE';
      problems.push({ code, message: `${what}${node.id === null ? '' : ` ${node.id}`}${node.name ? ` (${node.name})` : ''} at ${node.endpoint} is unreachable: ${node.error}` });
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
    if (node.reachable && node.id !== null && !memberIds.includes(node.id) && !foreign(node)) {
      const next = node.member === 'none' ? `add it with chronik add-voter ${node.id}@${node.endpoint}` : 'it was removed; stop it, or add it back with chronik add-voter';
      problems.push({ code: 'NOT_A_MEMBER', message: `node ${node.id} at ${node.endpoint} answers but is not a member; ${next}` });
    }
  });
  const disagreeing = nodes.filter((n) => n.reachable && n.member === 'voter' && n.id !== null && memberIds.includes(n.id) && n.voters && n.voters.length > 0 && !sameSet(n.voters, voters));
  if (disagreeing.length > 0) {
    problems.push({ code: 'VOTER_MISMATCH', message: `node${disagreeing.length > 1 ? 's' : ''} ${disagreeing.map((n) => n.id).join(', ')} see${disagreeing.length > 1 ? '' : 's'} voters [${disagreeing[0]?.voters?.join(',')}], the leader's view is [${voters.join(',')}]` });
  }
  problems.push(...crossCheck(samples, statuses));
  for (const s of statuses) {
    const d = s.divergence;
    if (!d) continue;
    problems.push({
      code: 'COMMITTED_ENTRY_CONFLICT',
      message: `node ${s.id} refuses node ${d.peer}: it was asked to overwrite committed index ${d.index} (term ${d.localTerm} there, ${d.leaderTerm} from ${d.peer}) at ${d.at}; see docs/runbooks/COMMITTED_ENTRY_CONFLICT.md`,
    });
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
    const claimed = statuses.find((s) => isLeaderId(s.leader) && s.term === term)?.leader;
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
  if ((verdict === 'no-leader' || verdict === 'no-quorum') && reachableVoters.length < quorum) {
    problems.splice(1, 0, {
      code: 'QUORUM_LOST',
      message: `only ${reachableVoters.length} of ${voters.length} voters answer, a quorum needs ${quorum}: start the stopped voters; if they are gone for good, see docs/runbooks/QUORUM_LOST.md`,
    });
  }
  const strictFailure = options.strict === true && problems.some((p) => STRICT_CODES.includes(p.code));
  const healthy = (verdict === 'healthy' || verdict === 'degraded') && !strictFailure;
  if (strictFailure && verdict === 'degraded') verdictLine = `UNHEALTHY (--strict): ${verdictLine.slice('degraded: '.length)}`;

  return {
    report: { kind: options.kind ?? 'chronik', ...(clusterId === undefined ? {} : { clusterId }), healthy, leader: leaderId, term: leaderStatus?.term ?? term, voters, learners, problems, nodes },
    verdict,
    verdictLine,
    lag,
    health,
  };
}

function reachableRow(endpoint: string, s: SampleStatus): NodeReport {
  return {
    id: s.id,
    ...(s.name === undefined ? {} : { name: s.name }),
    endpoint,
    reachable: true,
    role: s.role,
    member: s.member,
    term: s.term,
    leader: isLeaderId(s.leader) ? s.leader : null,
    commitIndex: s.commitIndex,
    appliedIndex: s.appliedIndex,
    ...(s.lastIndex === undefined ? {} : { lastIndex: s.lastIndex }),
    voters: [...s.voters].sort(compareIds),
    learners: [...s.learners].sort(compareIds),
    ...(clusterIdOf(s) === undefined ? {} : { clusterId: clusterIdOf(s) }),
  };
}

function unreachableRow(id: MemberId | null, name: string | undefined, endpoint: string, member: MemberKind | undefined, error: string): NodeReport {
  return { id, ...(name === undefined ? {} : { name }), endpoint, reachable: false, ...(member ? { member } : {}), error };
}

function healthOf(node: NodeReport, lag: number | null, leader: SampleStatus | undefined, memberIds: MemberId[]): NodeHealth {
  if (!node.reachable) return 'unreachable';
  if (node.voters !== undefined && node.voters.length === 0 && node.member !== 'none') return 'no voters';
  if (node.member === 'none' || (node.id !== null && !memberIds.includes(node.id))) return 'not a member';
  if (!leader || node.leader === null) return 'no leader';
  if (node.term !== leader.term || (node.id !== leader.id && node.leader !== leader.id)) return 'stale';
  if (lag !== null && lag > LAG_THRESHOLD) return 'lagging';
  return 'ok';
}

function sameSet(a: MemberId[], b: MemberId[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}
