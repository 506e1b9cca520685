// One HTTP exchange with one node: JSON in and out, bearer token, deadline, and errors that say
// whether the node answered (ApiError) or could not be reached at all (UnreachableError).
// node:http rather than undici: every operator command is a fresh process, and loading undici plus
// compiling its WebAssembly parser cost more than the whole rest of `chronik status` (docs/benchmarks.md).
import { Agent, request } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createRequire } from 'node:module';
import type { ClientTls } from '../shared/client-tls.js';
import { isApiErrorCode, type ApiErrorBody, type ApiErrorCode } from '../shared/http-api.js';

/**
 * A node's code, or the client's own for an answer that is not chronik's: a 2xx without JSON
 * (BAD_RESPONSE), any other status without chronik's error body or with a code it does not know (HTTP_<status>).
 */
export type ClientErrorCode = ApiErrorCode | 'BAD_RESPONSE' | `HTTP_${number}`;

/** The node answered with a non-2xx status (or something that is not chronik's JSON). */
export class ApiError extends Error {
  constructor(
    readonly endpoint: string,
    readonly status: number,
    readonly code: ClientErrorCode,
    message: string,
    readonly leader?: number,
    readonly voters?: number[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** No answer: refused, reset, timed out, name not resolved. */
export class UnreachableError extends Error {
  constructor(
    readonly endpoint: string,
    readonly reason: string,
  ) {
    super(`${endpoint}: ${reason}`);
    this.name = 'UnreachableError';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  timeoutMs: number;
  token?: string;
}

const MAX_REDIRECTS = 3;

export class HttpTransport {
  // Keep-alive across the many small polls of status --watch and add-voter.
  private readonly agent: Agent | HttpsAgent;
  private readonly request: typeof request;

  /** With https, node:https is loaded here (only then): plain-HTTP commands do not pay for TLS. */
  constructor(
    private readonly scheme: 'http' | 'https' = 'http',
    tls?: ClientTls,
  ) {
    if (scheme === 'https') {
      const https = createRequire(import.meta.url)('node:https') as typeof import('node:https');
      this.agent = new https.Agent({ keepAlive: true, maxSockets: 4, ...tls });
      this.request = https.request as typeof request;
    } else {
      this.agent = new Agent({ keepAlive: true, maxSockets: 4 });
      this.request = request;
    }
  }

  async requestJson<T>(endpoint: string, path: string, options: RequestOptions): Promise<T> {
    let target = endpoint;
    for (let hop = 0; ; hop++) {
      const response = await this.exchange(target, path, options);
      if ((response.status === 307 || response.status === 308) && response.location && hop < MAX_REDIRECTS) {
        const next = endpointOfLocation(response.location, this.scheme);
        if (next) {
          target = next.endpoint;
          path = next.path;
          continue;
        }
      }
      if (response.status >= 200 && response.status < 300) {
        if (response.json === undefined) {
          throw new ApiError(target, response.status, 'BAD_RESPONSE', `${target} answered ${response.status} without a JSON body; is it a chronik node?`);
        }
        return response.json as T;
      }
      throw apiErrorOf(target, response.status, response.json);
    }
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private exchange(endpoint: string, path: string, options: RequestOptions): Promise<{ status: number; json: unknown; location?: string }> {
    const headers: Record<string, string | number> = { accept: 'application/json' };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const { hostname, port } = new URL(`http://${endpoint}`);
    const request = this.request;
    const timeoutMs = Math.max(1, options.timeoutMs);
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void => {
        const reason = describeNetworkError(err, timeoutMs);
        // Under TLS 1.3 a node that refuses our client certificate often just resets the connection.
        const tlsHint = this.scheme === 'https' && reason === 'connection reset' ? ' during TLS: the node may have refused our client certificate (check --cert and --key)' : '';
        reject(new UnreachableError(endpoint, `${reason}${tlsHint}`));
      };
      const req = request(
        { host: hostname.replace(/^\[|\]$/g, ''), port, path, method: options.method ?? 'GET', headers, agent: this.agent, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            const location = res.headers.location;
            resolve({ status: res.statusCode ?? 0, json: parseJson(Buffer.concat(chunks).toString('utf8')), location });
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }
}

/** A body as JSON; undefined when empty or not JSON (the caller reports the status instead). */
export function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function apiErrorOf(endpoint: string, status: number, json: unknown): ApiError {
  const body = json as Partial<Record<keyof ApiErrorBody, unknown>> | undefined;
  if (body && typeof body.code === 'string' && isApiErrorCode(body.code) && typeof body.error === 'string') {
    const leader = typeof body.leader === 'number' && body.leader > 0 ? body.leader : undefined;
    const voters = Array.isArray(body.voters) ? body.voters.filter((v): v is number => typeof v === 'number') : undefined;
    return new ApiError(endpoint, status, body.code, body.error, leader, voters);
  }
  return new ApiError(endpoint, status, `HTTP_${status}`, `${endpoint} answered HTTP ${status} without chronik's error body; is it a chronik node?`);
}

function endpointOfLocation(location: string, scheme: 'http' | 'https'): { endpoint: string; path: string } | undefined {
  try {
    const url = new URL(location);
    if (url.protocol !== `${scheme}:`) return undefined;
    return { endpoint: url.host, path: `${url.pathname}${url.search}` };
  } catch {
    return undefined;
  }
}

/** Turns undici's and Node's network failures into a few words an operator recognises. */
export function describeNetworkError(err: unknown, timeoutMs: number): string {
  const error = err as { name?: string; code?: string; cause?: { code?: string }; message?: string };
  const code = error.code ?? error.cause?.code;
  if (error.name === 'TimeoutError' || error.name === 'AbortError' || code === 'UND_ERR_ABORTED') {
    return `no answer within ${timeoutMs}ms`;
  }
  const tls = describeTlsError(code, error.message ?? '');
  if (tls !== undefined) return tls;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host name not resolved';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case 'UND_ERR_CONNECT_TIMEOUT':
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return `no answer within ${timeoutMs}ms`;
    default:
      return code ?? error.message ?? 'unknown network error';
  }
}

/** Certificate and handshake failures, in words that say which side and which flag to look at. */
function describeTlsError(code: string | undefined, message: string): string | undefined {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'TLS: the node\'s certificate has expired';
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_SIGNATURE_FAILURE':
      return `TLS: the node's certificate is not trusted (${code}); pass --cacert with the cluster's CA`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return 'TLS: the node\'s certificate does not name this address (its subjectAltName)';
    case 'EPROTO':
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
      return /wrong version number|packet length too long/i.test(message) || code === 'ERR_SSL_WRONG_VERSION_NUMBER'
        ? 'TLS handshake failed: the node does not serve HTTPS (use a plain HOST:PORT endpoint)'
        : `TLS handshake failed: ${message}`;
    default:
      if (code?.startsWith('ERR_SSL_TLSV1') === true || code?.startsWith('ERR_SSL_TLSV13') === true || code === 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE') {
        return `TLS: the node refused our client certificate (${code}); check --cert and --key`;
      }
      return undefined;
  }
}
