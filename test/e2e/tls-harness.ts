// Talking HTTPS to a TLS node the way a member or operator would, with a chosen CA and client pair, and
// saying how the handshake ended when it did not.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { TestCerts } from './tls-certs.js';

export interface HttpsAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/** `ca`, `pair`: base names in the certs dir (e.g. 'ca', 'operator' for operator.pem/operator-key.pem). */
export function httpsCall(
  certs: TestCerts,
  addr: string,
  method: string,
  path: string,
  options: { ca: string; pair?: string; body?: unknown; headers?: Record<string, string>; insecure?: boolean },
): Promise<HttpsAnswer> {
  const at = addr.lastIndexOf(':');
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: addr.slice(0, at),
        port: Number(addr.slice(at + 1)),
        method,
        path,
        agent: false,
        ca: readFileSync(certs.path(`${options.ca}.pem`)),
        ...(options.insecure === true ? { rejectUnauthorized: false } : {}),
        ...(options.pair !== undefined
          ? { cert: readFileSync(certs.path(`${options.pair}.pem`)), key: readFileSync(certs.path(`${options.pair}-key.pem`)) }
          : {}),
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
        timeout: 10_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (part: string) => (text += part));
        res.on('error', reject);
        res.on('end', () => {
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The error code a refused handshake ends with (the call must fail). */
export async function handshakeError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? (err as Error).message;
  }
  throw new Error('the call succeeded; a refused handshake was expected');
}
