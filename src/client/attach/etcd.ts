// etcd through its v3 JSON gateway (/v3/ since 3.4, /v3beta/ on 3.3): each member reports its own
// raft term, indexes and leader (maintenance/status) and its view of the member list; ids are 64-bit,
// shown in hex as etcdctl shows them.
import type { SampleStatus } from '../sample.js';
import { remaining, surveyEachMember, type ProductAdapter, type SurveyContext } from './adapter.js';
import { endpointOf } from './http.js';

interface EtcdHeader {
  cluster_id?: string;
  member_id?: string;
  raft_term?: string;
}

interface EtcdStatus {
  header?: EtcdHeader;
  version?: string;
  leader?: string;
  raftIndex?: string;
  raftTerm?: string;
  raftAppliedIndex?: string;
  errors?: string[];
}

interface EtcdMember {
  ID?: string;
  name?: string;
  clientURLs?: string[];
  isLearner?: boolean;
}

interface EtcdMemberList {
  header?: EtcdHeader;
  members?: EtcdMember[];
}

const PREFIXES = ['/v3', '/v3beta'];

export const etcdAdapter: ProductAdapter = {
  kind: 'etcd',
  defaultEndpoint: '127.0.0.1:2379',
  env: { cacert: 'ETCDCTL_CACERT', cert: 'ETCDCTL_CERT', key: 'ETCDCTL_KEY' },
  probe: { path: '/version', method: 'GET', recognise: (answer) => typeof (answer.json as { etcdserver?: unknown } | undefined)?.etcdserver === 'string' },
  survey: (endpoints, context) => surveyEachMember(endpoints, context, (endpoint) => askMember(endpoint, context)),
};

async function askMember(endpoint: string, context: SurveyContext): Promise<SampleStatus> {
  let lastError: Error | undefined;
  for (const prefix of PREFIXES) {
    const post = (path: string): Promise<unknown> => context.http.json(endpoint, `${prefix}${path}`, { method: 'POST', body: {}, timeoutMs: remaining(context) });
    try {
      const [status, list] = await Promise.all([post('/maintenance/status'), post('/cluster/member/list')]);
      return toSample(status as EtcdStatus, list as EtcdMemberList);
    } catch (err) {
      lastError = err as Error;
      // Only an older gateway path is worth a second try; no answer at all is final.
      if (!/answered HTTP 404/.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('no etcd gateway');
}

/** etcd's decimal uint64 as etcdctl prints it. */
export function etcdId(decimal: string | undefined): string {
  if (decimal === undefined || !/^\d+$/.test(decimal) || decimal === '0') return '';
  return BigInt(decimal).toString(16);
}

export function toSample(status: EtcdStatus, list: EtcdMemberList): SampleStatus {
  const id = etcdId(status.header?.member_id);
  if (id === '' || status.raftTerm === undefined || !Array.isArray(list.members)) throw new Error('not an etcd v3 gateway answer');
  const members = list.members.map((m) => ({
    id: etcdId(m.ID),
    addr: (m.clientURLs ?? []).map(endpointOf).find((e) => e !== undefined) ?? '',
    ...(m.name ? { name: m.name } : {}),
    learner: m.isLearner === true,
  }));
  const self = members.find((m) => m.id === id);
  const leader = etcdId(status.leader);
  return {
    id,
    ...(self?.name ? { name: self.name } : {}),
    role: leader === id ? 'leader' : leader !== '' ? 'follower' : 'candidate',
    member: self === undefined ? 'none' : self.learner ? 'learner' : 'voter',
    term: Number(status.raftTerm),
    leader: leader === '' ? null : leader,
    commitIndex: Number(status.raftIndex ?? 0),
    appliedIndex: Number(status.raftAppliedIndex ?? status.raftIndex ?? 0),
    voters: members.filter((m) => !m.learner).map((m) => m.id),
    learners: members.filter((m) => m.learner).map((m) => m.id),
    members: members.map(({ id: memberId, addr, name }) => ({ id: memberId, addr, ...(name ? { name } : {}) })),
    clusterId: etcdId(status.header?.cluster_id ?? list.header?.cluster_id),
  };
}
