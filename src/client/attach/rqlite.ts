// rqlite: each node reports its own raft state at /status (store.raft: hashicorp/raft's stats, numbers or
// strings depending on the version) and the cluster's nodes with their HTTP API addresses at /nodes.
import type { SampleStatus } from '../sample.js';
import { remaining, surveyEachMember, type ProductAdapter, type SurveyContext } from './adapter.js';
import { endpointOf } from './http.js';
import { field } from './hashicorp.js';

export const rqliteAdapter: ProductAdapter = {
  kind: 'rqlite',
  defaultEndpoint: '127.0.0.1:4001',
  env: {},
  probe: { path: '/status', method: 'GET', recognise: (a) => field(field(a.json, 'store'), 'raft') !== undefined },
  survey: (endpoints, context) => surveyEachMember(endpoints, context, (endpoint) => askNode(endpoint, context)),
};

interface RqliteNode {
  id: string;
  apiAddr: string;
  voter: boolean;
}

async function askNode(endpoint: string, context: SurveyContext): Promise<SampleStatus> {
  const [status, nodes] = await Promise.all([
    context.http.json(endpoint, '/status', { timeoutMs: remaining(context) }),
    context.http.json(endpoint, '/nodes?nonvoters&ver=2', { timeoutMs: remaining(context) }).catch(() => undefined),
  ]);
  return toSample(status, nodes === undefined ? [] : readNodes(nodes));
}

/** /nodes: version 2 is {"nodes": [...]}, version 1 a map keyed by node id. */
export function readNodes(answer: unknown): RqliteNode[] {
  const list = field(answer, 'nodes');
  const entries: [string | undefined, unknown][] = Array.isArray(list)
    ? list.map((n) => [undefined, n])
    : answer !== null && typeof answer === 'object'
      ? Object.entries(answer)
      : [];
  return entries.map(([key, n]) => ({
    id: String(field(n, 'id') ?? key ?? ''),
    apiAddr: String(field(n, 'api_addr') ?? ''),
    voter: field(n, 'voter') !== false,
  }));
}

/** "[{Suffrage:Voter ID:1 Address:localhost:4002} ...]": the node's own raft configuration. */
export function parseConfiguration(text: string): { id: string; voter: boolean }[] {
  return [...text.matchAll(/\{Suffrage:(\w+) ID:(\S+) Address:\S+\}/g)].map((m) => ({ id: m[2] as string, voter: m[1] === 'Voter' }));
}

export function toSample(status: unknown, nodes: RqliteNode[]): SampleStatus {
  const store = field(status, 'store');
  const raft = field(store, 'raft');
  const id = field(store, 'node_id');
  if (typeof id !== 'string' || raft === undefined) throw new Error('not an rqlite /status answer');
  const number = (name: string): number => Number(field(raft, name) ?? 0) || 0;
  const state = String(field(raft, 'state') ?? '').toLowerCase();
  const configuration = parseConfiguration(String(field(raft, 'latest_configuration') ?? ''));
  const members = configuration.length > 0 ? configuration : nodes.map((n) => ({ id: n.id, voter: n.voter }));
  const leader = String(field(field(store, 'leader'), 'node_id') ?? '');
  const self = members.find((m) => m.id === id);
  const addrOf = (memberId: string): string => {
    const api = nodes.find((n) => n.id === memberId)?.apiAddr ?? '';
    return api === '' ? '' : (endpointOf(/^https?:\/\//.test(api) ? api : `http://${api}`) ?? '');
  };
  return {
    id,
    role: state === 'leader' ? 'leader' : state === 'candidate' ? 'candidate' : 'follower',
    member: self === undefined ? 'none' : self.voter ? 'voter' : 'learner',
    term: number('term'),
    leader: leader === '' ? null : leader,
    commitIndex: number('commit_index'),
    appliedIndex: number('applied_index'),
    lastIndex: number('last_log_index'),
    voters: members.filter((m) => m.voter).map((m) => m.id),
    learners: members.filter((m) => !m.voter).map((m) => m.id),
    members: members.map((m) => ({ id: m.id, addr: addrOf(m.id) })),
  };
}
