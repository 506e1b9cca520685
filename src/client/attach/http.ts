// HTTP for the products chronik attaches to: JSON over http or https (CA and client certificate for
// etcd), the product's own token header, and answers returned whatever their status, because a 404 or
// a 503 says as much about what is listening as a 200 does. node:http for the reason src/client/http.ts
// gives (a fresh process per command; undici's start-up cost).
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import type { ClientTls } from '../../shared/client-tls.js';
import { UsageError } from '../../shared/errors.js';
import { describeNetworkError, parseJson, UnreachableError } from '../http.js';

export interface TlsFiles {
  cacert?: string;
  cert?: string;
  key?: string;
}

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  json: unknown;
  text: string;
}

export class ProductHttp {
  private readonly plain = new HttpAgent({ keepAlive: true, maxSockets: 4 });
  private readonly secure: HttpsAgent;

  /** `material` (chronik's own --cacert/--cert/--key, already read) wins over the product's files. */
  constructor(
    private readonly headers: Record<string, string> = {},
    tls: TlsFiles = {},
    material: ClientTls = {},
  ) {
    const read = (file: string | undefined, what: string): Buffer | undefined => {
      if (file === undefined) return undefined;
      try {
        return readFileSync(file);
      } catch (err) {
        throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
      }
    };
    this.secure = new HttpsAgent({
      keepAlive: true,
      maxSockets: 4,
      ca: material.ca ?? read(tls.cacert, 'CA certificate'),
      cert: material.cert ?? read(tls.cert, 'client certificate'),
      key: material.key ?? read(tls.key, 'client key'),
    });
  }

  /** One exchange; throws UnreachableError only when nothing answered. */
  request(endpoint: string, path: string, options: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs: number }): Promise<Answer> {
    const url = new URL(path, endpointUrl(endpoint));
    const secure = url.protocol === 'https:';
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string | number> = { accept: 'application/json', ...this.headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const timeoutMs = Math.max(1, options.timeoutMs);
    const send = secure ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const fail = (err: unknown): void => reject(new UnreachableError(endpoint, describeNetworkError(err, timeoutMs)));
      const req = send(
        url,
        { method: options.method ?? 'GET', headers, agent: secure ? this.secure : this.plain, signal: AbortSignal.timeout(timeoutMs) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json: parseJson(text), text });
          });
        },
      );
      req.on('error', fail);
      req.end(body);
    });
  }

  /** A 2xx JSON answer, else an error saying what came back instead. */
  async json(endpoint: string, path: string, options: { method?: 'GET' | 'POST'; body?: unknown; timeoutMs: number }): Promise<unknown> {
    const answer = await this.request(endpoint, path, options);
    if (answer.status < 200 || answer.status >= 300) {
      const detail = answer.text.trim().split('\n')[0]?.slice(0, 200) ?? '';
      throw new Error(`${path} answered HTTP ${answer.status}${detail ? `: ${detail}` : ''}`);
    }
    if (answer.json === undefined) throw new Error(`${path} answered without JSON`);
    return answer.json;
  }

  close(): void {
    this.plain.destroy();
    this.secure.destroy();
  }
}

/** host:port is http; an https:// endpoint keeps its scheme. */
export function endpointUrl(endpoint: string): string {
  return /^https?:\/\//.test(endpoint) ? endpoint : `http://${endpoint}`;
}

/** A product's advertised URL as chronik names endpoints: host:port for http, the full URL for https. */
export function endpointOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:') return parsed.host;
    if (parsed.protocol === 'https:') return `https://${parsed.host}`;
    return undefined;
  } catch {
    return undefined;
  }
}

