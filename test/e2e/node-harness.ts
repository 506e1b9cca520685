// What the e2e tests ask of running nodes: their HTTP API (status, writes), over plain HTTP or, for a TLS
// cluster, over HTTPS presenting an operator's client certificate (NodeApi), and waiting until the cluster
// agrees on a leader. Starting nodes is test/support/cluster.ts's job.
import { Agent, fetch as undiciFetch } from 'undici';

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/**
 * Writes every key through `clients` concurrent HTTP clients; each must be acknowledged (200). Up to
 * `timeoutRetries` 504s per key are retried (a put is idempotent); any other answer fails the write.
 */
export async function writeAll(addr: string, keys: string[], value: (key: string) => string, clients: number, timeoutRetries = 0): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        for (let attempt = 0; ; attempt++) {
          const answer = await http(addr, 'POST', '/v1/propose', { key, value: value(key) });
          if (answer.status === 200) break;
          if (answer.status !== 504 || attempt >= timeoutRetries) throw new Error(`write ${key}: ${answer.status} ${answer.text}`);
        }
      }
    }),
  );
}

/** The PEM an operator's client uses against a TLS cluster: the CA it trusts and the pair it presents. */
export interface ClientPem {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/** A node's HTTP API over plain HTTP, or over HTTPS with a client certificate when given `tls`. */
export class NodeApi {
  private readonly dispatcher: Agent | undefined;

  constructor(tls?: ClientPem) {
    this.dispatcher = tls === undefined ? undefined : new Agent({ connect: { ca: tls.ca, cert: tls.cert, key: tls.key } });
  }

  async http(addr: string, method: string, path: string, body?: unknown, token?: string): Promise<HttpAnswer> {
    const init = {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(10_000),
    };
    // Node's own fetch has no TLS options: HTTPS goes through undici's with the client pair.
    const response = this.dispatcher === undefined ? await fetch(`http://${addr}${path}`, init) : await undiciFetch(`https://${addr}${path}`, { ...init, dispatcher: this.dispatcher });
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // /metrics answers text
    }
    return { status: response.status, body: parsed, text };
  }

  async status(addr: string, token?: string): Promise<Status> {
    const answer = await this.http(addr, 'GET', '/v1/status', undefined, token);
    if (answer.status !== 200) throw new Error(`status ${answer.status}: ${answer.text}`);
    return answer.body as unknown as Status;
  }

  /** The leader id once every given node reports the same leader (other than `not`), in the same term. */
  agreedLeader(addrs: string[], timeoutMs = 30_000, not = 0): Promise<{ leader: number; term: number }> {
    return eventually(
      async () => {
        const views = await Promise.all(addrs.map((addr) => this.status(addr)));
        const first = views[0];
        if (first === undefined || first.leader === 0 || first.leader === not) return undefined;
        return views.every((view) => view.leader === first.leader && view.term === first.term) ? { leader: first.leader, term: first.term } : undefined;
      },
      timeoutMs,
      'all nodes to agree on a leader',
    );
  }

  async close(): Promise<void> {
    await this.dispatcher?.close();
  }
}

const plain = new NodeApi();

export function http(addr: string, method: string, path: string, body?: unknown, token?: string): Promise<HttpAnswer> {
  return plain.http(addr, method, path, body, token);
}

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface Status {
  id: number;
  role: string;
  member: string;
  term: number;
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  voters: number[];
  learners: number[];
}

export function status(addr: string, token?: string): Promise<Status> {
  return plain.status(addr, token);
}

/** The leader id once every given node reports the same leader (other than `not`), in the same term. */
export function agreedLeader(addrs: string[], timeoutMs = 30_000, not = 0): Promise<{ leader: number; term: number }> {
  return plain.agreedLeader(addrs, timeoutMs, not);
}
