// Consul, Nomad and Vault (integrated storage) through the leader's autopilot report, which gives every
// server's raft state as the leader sees it (last log term and index, voter, leader, alive). Without a
// leader there is no autopilot report: the stale raft configuration gives the voters, and each endpoint
// that answers is the server at its host.
import type { SampleStatus, StatusSample } from '../sample.js';
import { remaining, type ProductAdapter, type SurveyContext } from './adapter.js';

/** One server as every autopilot flavour reports it. */
export interface AutopilotServer {
  id: string;
  name: string;
  address: string;
  alive: boolean;
  aliveText: string;
  leader: boolean;
  voter: boolean;
  lastTerm: number;
  lastIndex: number;
}

interface Flavour {
  kind: 'consul' | 'nomad' | 'vault';
  defaultEndpoint: string;
  env: ProductAdapter['env'];
  probe: ProductAdapter['probe'];
  autopilotPath: string;
  configurationPath: string;
  /** Reads the product's autopilot answer (keys compared case- and underscore-blind). */
  servers(answer: Record<string, unknown>): AutopilotServer[];
  configuration(answer: Record<string, unknown>): { id: string; name: string; address: string; voter: boolean }[];
  clusterId?(context: SurveyContext, endpoint: string): Promise<string | undefined>;
}

export function hashicorpAdapter(flavour: Flavour): ProductAdapter {
  return {
    kind: flavour.kind,
    defaultEndpoint: flavour.defaultEndpoint,
    env: flavour.env,
    probe: flavour.probe,
    survey: (endpoints, context) => survey(flavour, endpoints, context),
  };
}

async function survey(flavour: Flavour, endpoints: readonly string[], context: SurveyContext): Promise<StatusSample[]> {
  const errors: StatusSample[] = [];
  // Any server forwards the autopilot request to the leader: the first endpoint that has one is enough.
  for (const endpoint of endpoints) {
    try {
      const answer = (await context.http.json(endpoint, flavour.autopilotPath, { timeoutMs: remaining(context) })) as Record<string, unknown>;
      const servers = flavour.servers(answer);
      if (servers.length === 0) throw new Error(`${flavour.autopilotPath} lists no servers`);
      const clusterId = await flavour.clusterId?.(context, endpoint).catch(() => undefined);
      return fromAutopilot(servers, clusterId);
    } catch (err) {
      errors.push({ endpoint, error: reasonOf(err) });
    }
  }
  return fromConfiguration(flavour, endpoints, context, errors);
}

function fromAutopilot(servers: AutopilotServer[], clusterId: string | undefined): StatusSample[] {
  const leader = servers.find((s) => s.leader);
  const voters = servers.filter((s) => s.voter).map((s) => s.id);
  const learners = servers.filter((s) => !s.voter).map((s) => s.id);
  const members = servers.map((s) => ({ id: s.id, addr: s.address, ...(s.name ? { name: s.name } : {}) }));
  return servers.map((s): StatusSample => {
    if (!s.alive) return { endpoint: s.address, error: `the leader reports it ${s.aliveText}` };
    const status: SampleStatus = {
      id: s.id,
      ...(s.name ? { name: s.name } : {}),
      role: s.leader ? 'leader' : 'follower',
      member: s.voter ? 'voter' : 'learner',
      // Autopilot reports the term of each server's last log entry: the leader's no-op puts the current
      // term there on every server that keeps up.
      term: s.lastTerm,
      leader: leader?.id ?? null,
      commitIndex: s.lastIndex,
      appliedIndex: s.lastIndex,
      lastIndex: s.lastIndex,
      voters,
      learners,
      members,
      ...(clusterId ? { clusterId } : {}),
    };
    return { endpoint: s.address, status };
  });
}

/** No leader: the voters from any server's own (stale) configuration; the endpoints that answer are up. */
async function fromConfiguration(flavour: Flavour, endpoints: readonly string[], context: SurveyContext, errors: StatusSample[]): Promise<StatusSample[]> {
  const answering: string[] = [];
  let configuration: ReturnType<Flavour['configuration']> | undefined;
  for (const endpoint of endpoints) {
    try {
      const answer = (await context.http.json(endpoint, flavour.configurationPath, { timeoutMs: remaining(context) })) as Record<string, unknown>;
      configuration ??= flavour.configuration(answer);
      answering.push(endpoint);
    } catch {
      // reported below with the autopilot error of the same endpoint
    }
  }
  if (configuration === undefined || configuration.length === 0) return errors;
  const voters = configuration.filter((s) => s.voter).map((s) => s.id);
  const learners = configuration.filter((s) => !s.voter).map((s) => s.id);
  const members = configuration.map((s) => ({ id: s.id, addr: s.address, ...(s.name ? { name: s.name } : {}) }));
  const hostOf = (address: string): string => address.replace(/^https?:\/\//, '').replace(/:\d+$/, '');
  return configuration.map((server): StatusSample => {
    const endpoint = answering.find((e) => hostOf(e) === hostOf(server.address));
    if (endpoint === undefined) return { endpoint: server.address, error: 'no leader to report on it, and no endpoint given at its host' };
    return {
      endpoint: server.address,
      status: { id: server.id, ...(server.name ? { name: server.name } : {}), role: 'candidate', member: server.voter ? 'voter' : 'learner', term: 0, leader: null, commitIndex: 0, appliedIndex: 0, voters, learners, members },
    };
  });
}

function reasonOf(err: unknown): string {
  return err instanceof Error && 'reason' in err ? String((err as { reason: unknown }).reason) : (err as Error).message;
}

/** A key lookup that ignores case and underscores: Vault changed LastTerm to last_term across versions. */
export function field(object: unknown, name: string): unknown {
  if (object === null || typeof object !== 'object') return undefined;
  const wanted = name.toLowerCase().replace(/_/g, '');
  for (const [key, value] of Object.entries(object)) if (key.toLowerCase().replace(/_/g, '') === wanted) return value;
  return undefined;
}

const text = (value: unknown): string => (typeof value === 'string' ? value : value === undefined || value === null ? '' : String(value));
const count = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0)) || 0;

/** Consul's and Nomad's /v1/operator/autopilot/health: Servers is a list with SerfStatus, Leader, Voter. */
function serfServers(answer: Record<string, unknown>): AutopilotServer[] {
  const servers = field(answer, 'servers');
  if (!Array.isArray(servers)) throw new Error('not an autopilot health answer');
  return servers.map((s) => ({
    id: text(field(s, 'id')),
    name: text(field(s, 'name')),
    address: text(field(s, 'address')),
    alive: text(field(s, 'serfStatus')) === 'alive',
    aliveText: text(field(s, 'serfStatus')) || 'unknown',
    leader: field(s, 'leader') === true,
    voter: field(s, 'voter') === true,
    lastTerm: count(field(s, 'lastTerm')),
    lastIndex: count(field(s, 'lastIndex')),
  }));
}

/** Consul's and Nomad's /v1/operator/raft/configuration. */
function raftConfiguration(answer: Record<string, unknown>): { id: string; name: string; address: string; voter: boolean }[] {
  const servers = field(answer, 'servers');
  if (!Array.isArray(servers)) throw new Error('not a raft configuration answer');
  return servers.map((s) => ({ id: text(field(s, 'id')), name: text(field(s, 'node')), address: text(field(s, 'address')), voter: field(s, 'voter') === true }));
}

export const consulAdapter = hashicorpAdapter({
  kind: 'consul',
  defaultEndpoint: '127.0.0.1:8500',
  env: { token: { variable: 'CONSUL_HTTP_TOKEN', header: 'X-Consul-Token' }, cacert: 'CONSUL_CACERT', cert: 'CONSUL_CLIENT_CERT', key: 'CONSUL_CLIENT_KEY' },
  // Consul's agent/self has a Config with a Datacenter; Nomad's has lower-case config and member.
  probe: { path: '/v1/agent/self', method: 'GET', recognise: (a) => typeof ((a.json as { Config?: { Datacenter?: unknown } } | undefined)?.Config?.Datacenter) === 'string' },
  autopilotPath: '/v1/operator/autopilot/health',
  configurationPath: '/v1/operator/raft/configuration?stale=true',
  servers: serfServers,
  configuration: raftConfiguration,
});

export const nomadAdapter = hashicorpAdapter({
  kind: 'nomad',
  defaultEndpoint: '127.0.0.1:4646',
  env: { token: { variable: 'NOMAD_TOKEN', header: 'X-Nomad-Token' }, cacert: 'NOMAD_CACERT', cert: 'NOMAD_CLIENT_CERT', key: 'NOMAD_CLIENT_KEY' },
  probe: { path: '/v1/agent/self', method: 'GET', recognise: (a) => (a.json as Record<string, unknown> | undefined)?.config !== undefined && (a.json as Record<string, unknown>).member !== undefined },
  autopilotPath: '/v1/operator/autopilot/health',
  configurationPath: '/v1/operator/raft/configuration?stale=true',
  servers: serfServers,
  configuration: raftConfiguration,
});

export const vaultAdapter = hashicorpAdapter({
  kind: 'vault',
  defaultEndpoint: '127.0.0.1:8200',
  env: { token: { variable: 'VAULT_TOKEN', header: 'X-Vault-Token' }, cacert: 'VAULT_CACERT', cert: 'VAULT_CLIENT_CERT', key: 'VAULT_CLIENT_KEY' },
  // sys/health answers with JSON whatever the node's state (200 active, 429 standby, 503 sealed, ...).
  probe: { path: '/v1/sys/health', method: 'GET', recognise: (a) => typeof field(a.json, 'initialized') === 'boolean' && typeof field(a.json, 'sealed') === 'boolean' },
  autopilotPath: '/v1/sys/storage/raft/autopilot/state',
  configurationPath: '/v1/sys/storage/raft/configuration',
  servers: (answer) => {
    // Vault wraps some answers in "data"; the servers are a map keyed by node id.
    const body = field(answer, 'servers') === undefined ? field(answer, 'data') : answer;
    const servers = field(body, 'servers');
    if (servers === null || typeof servers !== 'object') throw new Error('not an autopilot state answer');
    return Object.values(servers).map((s) => ({
      id: text(field(s, 'id')),
      name: text(field(s, 'name')),
      address: text(field(s, 'address')),
      alive: text(field(s, 'nodeStatus')) === 'alive',
      aliveText: text(field(s, 'nodeStatus')) || 'unknown',
      leader: text(field(s, 'status')) === 'leader',
      voter: text(field(s, 'status')) === 'leader' || text(field(s, 'status')) === 'voter',
      lastTerm: count(field(s, 'lastTerm')),
      lastIndex: count(field(s, 'lastIndex')),
    }));
  },
  configuration: (answer) => {
    const servers = field(field(field(answer, 'data'), 'config'), 'servers');
    if (!Array.isArray(servers)) throw new Error('not a raft configuration answer');
    return servers.map((s) => ({ id: text(field(s, 'node_id')), name: text(field(s, 'node_id')), address: text(field(s, 'address')), voter: field(s, 'voter') === true }));
  },
  clusterId: async (context, endpoint) => {
    const answer = await context.http.request(endpoint, '/v1/sys/health', { timeoutMs: remaining(context) });
    const id = field(answer.json, 'cluster_id');
    return typeof id === 'string' && id !== '' ? id : undefined;
  },
});
