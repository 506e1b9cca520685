// The admin client every operator command uses: finds the cluster from any one reachable endpoint,
// finds and talks to the leader, and retries leader loss with bounded backoff inside one deadline.
import { formatDuration } from '../shared/duration.js';
import { OperationError } from '../shared/errors.js';
import type { ClientTls } from '../shared/client-tls.js';
import { ApiError, HttpTransport, UnreachableError } from './http.js';
import { mainCluster } from './cross-checks.js';
import { clusterIdOf, type StatusSample } from './sample.js';
import {
  API_PATHS,
  type ApiErrorCode,
  type KvValue,
  type MembersView,
  type MembershipChange,
  type MembershipChangeResult,
  type NodeStatus,
  type ProposeRequest,
  type ProposeResult,
  type TransferRequest,
  type TransferResult,
} from '../shared/http-api.js';

export interface ClientOptions {
  endpoints: string[];
  /** Where the endpoints came from (--endpoints, --config, CHRONIK_ENDPOINTS, default), for hints. */
  endpointSource?: string;
  token?: string;
  /** Every endpoint, given or discovered, is reached with this scheme (a cluster is all TLS or none). */
  scheme?: 'http' | 'https';
  tls?: ClientTls;
  /** The whole operation's budget: every retry and wait fits inside it. */
  timeoutMs: number;
}

/** What one endpoint said when asked for its status (a chronik StatusSample). */
export interface EndpointSample extends StatusSample {
  status?: NodeStatus;
}

/** One round of asking every known endpoint for its status. */
export interface Survey {
  samples: EndpointSample[];
  /** The node that says it leads at the highest term seen, if any answered. */
  leader?: NodeStatus;
  leaderEndpoint?: string;
}

/** Errors after which another node, or the same one a little later, may succeed. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set<ApiErrorCode>(['NO_LEADER', 'UNAVAILABLE']);
const SURVEY_REQUEST_MS = 2000;
const MIN_SURVEY_MS = 250;
const SERVER_MARGIN_MS = 150;
const CLIENT_GRACE_MS = 1000;

export class AdminClient {
  private currentDeadline: number;
  private readonly transport: HttpTransport;
  private readonly knownEndpoints: string[];
  private leaderEndpoint?: string;
  private lastSurvey?: Survey;
  /**
   * The cluster the given endpoints belong to (the ID most of them report), pinned at the first answer:
   * members of another cluster found on the way are reported but never followed or led by.
   */
  private clusterId?: string;

  constructor(private readonly options: ClientOptions) {
    this.currentDeadline = Date.now() + options.timeoutMs;
    this.knownEndpoints = [...options.endpoints];
    this.transport = new HttpTransport(options.scheme ?? 'http', options.tls);
  }

  get deadline(): number {
    return this.currentDeadline;
  }

  get endpointSource(): string | undefined {
    return this.options.endpointSource;
  }

  remainingMs(): number {
    return Math.max(0, this.currentDeadline - Date.now());
  }

  /** Guarantees at least ms more: for clean-up (a rollback) after the main budget ran out. */
  extendDeadline(ms: number): void {
    this.currentDeadline = Math.max(this.currentDeadline, Date.now() + ms);
  }

  async close(): Promise<void> {
    await this.transport.close();
  }

  /** GET /v1/status of one endpoint. */
  async nodeStatus(endpoint: string, timeoutMs = Math.min(SURVEY_REQUEST_MS, this.remainingMs())): Promise<NodeStatus> {
    return this.transport.requestJson<NodeStatus>(endpoint, API_PATHS.status, { timeoutMs, token: this.options.token });
  }

  /**
   * Asks every known endpoint for its status at once, then every member those answers name that has
   * not answered yet, so one reachable endpoint is enough to see the whole cluster. The whole survey
   * fits in budgetMs.
   */
  async survey(budgetMs = Math.min(SURVEY_REQUEST_MS, this.remainingMs())): Promise<Survey> {
    const surveyDeadline = Date.now() + Math.max(1, budgetMs);
    const samples: EndpointSample[] = [];
    const asked = new Set<string>();
    const askAll = async (endpoints: string[]): Promise<void> => {
      const fresh = endpoints.filter((e) => !asked.has(e));
      fresh.forEach((e) => asked.add(e));
      const timeoutMs = Math.max(1, surveyDeadline - Date.now());
      samples.push(...(await Promise.all(fresh.map((endpoint) => this.sample(endpoint, timeoutMs)))));
    };
    await askAll(this.knownEndpoints);
    this.clusterId ??= mainCluster(samples).map(clusterIdOf).find((id) => id !== undefined);
    const ours = (): EndpointSample[] => samples.filter((s) => this.clusterId === undefined || !s.status?.clusterId || s.status.clusterId === this.clusterId);
    let members = membersOf(ours());
    const answeredIds = new Set(ours().flatMap((s) => (s.status ? [s.status.id] : [])));
    await askAll([...members].filter(([id]) => !answeredIds.has(id)).map(([, addr]) => addr));
    members = membersOf(ours());
    for (const addr of members.values()) if (!this.knownEndpoints.includes(addr)) this.knownEndpoints.push(addr);

    const leaderSample = ours()
      .filter((s) => s.status?.role === 'leader')
      .sort((a, b) => (b.status?.term ?? 0) - (a.status?.term ?? 0))[0];
    const survey: Survey = { samples, leader: leaderSample?.status, leaderEndpoint: leaderSample?.endpoint };
    this.lastSurvey = survey;
    return survey;
  }

  /**
   * Surveys until some node leads, backing off between rounds. A round never gets less than
   * MIN_SURVEY_MS (a near-empty budget would only report everyone as silent), so the deadline can be
   * overrun by at most that much; the failure then describes the last full round.
   */
  async findLeader(): Promise<{ endpoint: string; status: NodeStatus }> {
    const backoff = new Backoff();
    for (;;) {
      const survey = await this.survey(Math.max(MIN_SURVEY_MS, Math.min(SURVEY_REQUEST_MS, this.remainingMs())));
      if (survey.leader && survey.leaderEndpoint) {
        this.leaderEndpoint = survey.leaderEndpoint;
        return { endpoint: survey.leaderEndpoint, status: survey.leader };
      }
      if (this.remainingMs() <= MIN_SURVEY_MS) throw this.noLeaderError(survey);
      await sleep(Math.min(backoff.next(), this.remainingMs() - MIN_SURVEY_MS));
    }
  }

  /**
   * Sends a request to the leader, giving the node the remaining budget as its own ?timeout. Leader
   * loss (NO_LEADER, UNAVAILABLE, no answer) re-surveys and retries until the deadline.
   */
  async leaderRequest<T>(path: string, method: 'GET' | 'POST' = 'GET', body?: unknown): Promise<T> {
    const backoff = new Backoff();
    let lastError: Error | undefined;
    for (;;) {
      const endpoint = this.leaderEndpoint ?? (await this.findLeader()).endpoint;
      const serverTimeout = Math.max(1, this.remainingMs() - SERVER_MARGIN_MS);
      const separator = path.includes('?') ? '&' : '?';
      try {
        return await this.transport.requestJson<T>(endpoint, `${path}${separator}timeout=${serverTimeout}ms`, {
          method,
          body,
          timeoutMs: serverTimeout + CLIENT_GRACE_MS,
          token: this.options.token,
        });
      } catch (err) {
        const retryable = err instanceof UnreachableError || (err instanceof ApiError && RETRYABLE_CODES.has(err.code));
        if (!retryable) throw err;
        lastError = err as Error;
        this.leaderEndpoint = undefined;
        if (this.remainingMs() <= 0) {
          if (err instanceof ApiError && err.code === 'NO_LEADER' && this.lastSurvey) throw this.noLeaderError(this.lastSurvey);
          throw lastError;
        }
        await sleep(Math.min(backoff.next(), this.remainingMs()));
      }
    }
  }

  /** Tries the known endpoints in order until one answers; for requests any member can serve. */
  async anyRequest<T>(path: string): Promise<T> {
    const backoff = new Backoff();
    for (;;) {
      const failures: UnreachableError[] = [];
      for (const endpoint of this.knownEndpoints) {
        try {
          return await this.transport.requestJson<T>(endpoint, path, {
            timeoutMs: Math.max(1, Math.min(SURVEY_REQUEST_MS, this.remainingMs())),
            token: this.options.token,
          });
        } catch (err) {
          if (err instanceof UnreachableError) failures.push(err);
          else if (err instanceof ApiError && RETRYABLE_CODES.has(err.code)) continue;
          else throw err;
        }
      }
      if (this.remainingMs() <= 0) {
        throw failures.length === this.knownEndpoints.length ? unreachableError(failures, this.options.endpointSource) : new OperationError(`no node could serve ${path} in time`);
      }
      await sleep(Math.min(backoff.next(), this.remainingMs()));
    }
  }

  async propose(key: string, value: string): Promise<ProposeResult> {
    const body: ProposeRequest = { key, value };
    return this.leaderRequest<ProposeResult>(API_PATHS.propose, 'POST', body);
  }

  async get(key: string, stale: boolean): Promise<KvValue> {
    const path = `${API_PATHS.kv}${encodeURIComponent(key)}`;
    return stale ? this.anyRequest<KvValue>(`${path}?stale=true`) : this.leaderRequest<KvValue>(path);
  }

  async members(): Promise<MembersView> {
    return this.leaderRequest<MembersView>(API_PATHS.members);
  }

  async changeMembership(change: MembershipChange): Promise<MembershipChangeResult> {
    return this.leaderRequest<MembershipChangeResult>(API_PATHS.members, 'POST', change);
  }

  async transferLeader(id: number): Promise<TransferResult> {
    const body: TransferRequest = { id };
    return this.leaderRequest<TransferResult>(API_PATHS.transferLeader, 'POST', body);
  }

  /** Why no leader was found: which endpoints failed, or which voters answer and how many. */
  private noLeaderError(survey: Survey): OperationError {
    const answered = survey.samples.filter((s) => s.status);
    if (answered.length === 0) {
      return unreachableError(
        survey.samples.map((s) => new UnreachableError(s.endpoint, s.error ?? 'no answer')),
        this.options.endpointSource,
      );
    }
    const view = freshestView(answered.map((s) => s.status as NodeStatus));
    const voters = view?.voters ?? [];
    const answeringVoters = voters.filter((id) => answered.some((s) => s.status?.id === id));
    const quorum = Math.floor(voters.length / 2) + 1;
    const within = formatDuration(this.options.timeoutMs);
    if (voters.length === 0) {
      return new OperationError(
        `no leader within ${within}: the nodes that answer have no voters configured`,
        'a node started without a voter set never elects; see chronik status and chronik bootstrap --help',
      );
    }
    return new OperationError(
      `no leader within ${within}: voters ${voters.join(', ')}; ${answeringVoters.length} of ${voters.length} answer, a quorum needs ${quorum}`,
      answeringVoters.length < quorum ? 'start the stopped voters (chronik status shows which) so a quorum can elect a leader' : 'an election may be in progress; run chronik status',
    );
  }

  private async sample(endpoint: string, timeoutMs: number): Promise<EndpointSample> {
    try {
      return { endpoint, status: await this.nodeStatus(endpoint, timeoutMs) };
    } catch (err) {
      if (err instanceof UnreachableError) return { endpoint, error: err.reason };
      if (err instanceof ApiError && err.code === 'UNAUTHORIZED') throw err;
      return { endpoint, error: (err as Error).message };
    }
  }
}

/** The error for "nothing answered": names every endpoint tried, why it failed, and where the list came from. */
export function unreachableError(failures: UnreachableError[], endpointSource?: string): OperationError {
  const list = failures.map((f) => `${f.endpoint} (${f.reason})`).join(', ');
  const hint =
    endpointSource === 'default'
      ? 'no endpoints were given, so the default was tried: name the cluster with --endpoints, --config or CHRONIK_ENDPOINTS'
      : `check that the nodes are running and that ${endpointSource ?? '--endpoints, --config or CHRONIK_ENDPOINTS'} names them`;
  return new OperationError(`no endpoint answered: ${list}`, hint);
}

/** The membership as seen by the node with the freshest view: the leader at the highest term, else the highest term. */
export function freshestView(statuses: NodeStatus[]): NodeStatus | undefined {
  return [...statuses].sort((a, b) => b.term - a.term || Number(b.role === 'leader') - Number(a.role === 'leader'))[0];
}

function membersOf(samples: EndpointSample[]): Map<number, string> {
  const view = freshestView(samples.flatMap((s) => (s.status ? [s.status] : [])));
  const members = new Map<number, string>();
  for (const member of view?.members ?? []) members.set(member.id, member.addr);
  return members;
}

/** Exponential backoff from 50 ms to 1 s with jitter, so retries neither spin nor stampede. */
export class Backoff {
  private attempt = 0;

  next(): number {
    const base = Math.min(1000, 50 * 2 ** this.attempt);
    this.attempt++;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
