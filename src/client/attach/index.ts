// `chronik status` against the Raft products operators already run: picks the product (forced with
// --kind, else recognised from the endpoints' answers), surveys it through its adapter, and judges the
// samples with the same verdict as chronik's own nodes.
import { UsageError } from '../../shared/errors.js';
import { parseHostPort } from '../../shared/address.js';
import { unreachableError } from '../admin-client.js';
import { buildClusterView, type ClusterView } from '../cluster-status.js';
import { UnreachableError } from '../http.js';
import type { ProductKind } from '../sample.js';
import type { ProductAdapter } from './adapter.js';
import { etcdAdapter } from './etcd.js';
import { consulAdapter, nomadAdapter, vaultAdapter } from './hashicorp.js';
import { rqliteAdapter } from './rqlite.js';
import { ProductHttp, type TlsFiles } from './http.js';
import type { ClientTls } from '../../shared/client-tls.js';

export const ADAPTERS: readonly ProductAdapter[] = [etcdAdapter, consulAdapter, nomadAdapter, vaultAdapter, rqliteAdapter];

export interface AttachOptions {
  /** undefined: recognise the product from the answers. */
  kind?: ProductKind;
  /** Endpoints as given: host:port, http:// or https:// URLs; empty: the product's default. */
  endpoints: readonly string[];
  endpointSource?: string;
  timeoutMs: number;
  strict: boolean;
  env?: NodeJS.ProcessEnv;
  tls?: TlsFiles;
  /** chronik's own --cacert/--cert/--key (or CHRONIK_CACERT/..., the config's tls), read already. */
  tlsMaterial?: ClientTls;
}

/**
 * The cluster view of a non-chronik product, or undefined when the endpoints turn out to be chronik
 * nodes or nothing recognisable answers (the caller then reports as for chronik).
 */
export async function attachedStatus(options: AttachOptions): Promise<ClusterView | undefined> {
  const env = options.env ?? process.env;
  const deadline = Date.now() + options.timeoutMs;
  let adapter = options.kind === undefined ? undefined : ADAPTERS.find((a) => a.kind === options.kind);
  const material = options.tlsMaterial ?? {};
  if (options.kind === undefined) adapter = await recognise(options.endpoints, env, options.tls ?? {}, material, deadline);
  if (adapter === undefined) return undefined;
  const endpoints = options.endpoints.length > 0 ? options.endpoints : [adapter.defaultEndpoint];
  const http = new ProductHttp(tokenHeaders(adapter, env), { ...tlsFromEnv(adapter, env), ...definedOnly(options.tls ?? {}) }, material);
  try {
    const samples = await adapter.survey(endpoints, { http, deadline });
    if (!samples.some((s) => s.status)) {
      throw unreachableError(
        samples.map((s) => new UnreachableError(s.endpoint, s.error ?? 'no answer')),
        options.endpointSource,
      );
    }
    return buildClusterView(samples, { strict: options.strict, kind: adapter.kind });
  } finally {
    http.close();
  }
}

/**
 * The first product whose probe an endpoint answers; chronik's own nodes are recognised as none. Each
 * product is asked with its own token and TLS files, so an https endpoint is recognised too.
 */
async function recognise(endpoints: readonly string[], env: NodeJS.ProcessEnv, tls: TlsFiles, material: ClientTls, deadline: number): Promise<ProductAdapter | undefined> {
  const clients = ADAPTERS.map((adapter) => new ProductHttp(tokenHeaders(adapter, env), { ...tlsFromEnv(adapter, env), ...definedOnly(tls) }, material));
  const attempts = endpoints.flatMap((endpoint) =>
    ADAPTERS.map(async (adapter, i) => {
      const answer = await (clients[i] as ProductHttp).request(endpoint, adapter.probe.path, { method: adapter.probe.method, timeoutMs: Math.max(1, deadline - Date.now()) });
      if (!adapter.probe.recognise(answer)) throw new Error('not this product');
      return adapter;
    }),
  );
  try {
    return await Promise.any(attempts);
  } catch {
    return undefined;
  } finally {
    clients.forEach((client) => client.close());
  }
}

function tokenHeaders(adapter: ProductAdapter, env: NodeJS.ProcessEnv): Record<string, string> {
  const token = adapter.env.token;
  const value = token === undefined ? undefined : env[token.variable]?.trim();
  return token && value ? { [token.header]: `${token.prefix ?? ''}${value}` } : {};
}

function tlsFromEnv(adapter: ProductAdapter, env: NodeJS.ProcessEnv): TlsFiles {
  const pick = (variable: string | undefined): string | undefined => (variable === undefined ? undefined : env[variable] || undefined);
  return definedOnly({ cacert: pick(adapter.env.cacert), cert: pick(adapter.env.cert), key: pick(adapter.env.key) });
}

function definedOnly(files: TlsFiles): TlsFiles {
  return Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined)) as TlsFiles;
}

/** --endpoints for a product: host:port, or an http(s):// URL whose https scheme is kept. */
export function parseProductEndpoints(text: string): string[] {
  const endpoints = text
    .split(',')
    .map((part) => part.trim().replace(/\/$/, ''))
    .filter((part) => part !== '')
    .map((part) => {
      const secure = /^https:\/\//i.test(part);
      const hostPort = parseHostPort(part.replace(/^https?:\/\//i, ''), 'endpoint');
      return secure ? `https://${hostPort}` : hostPort;
    });
  if (endpoints.length === 0) throw new UsageError('no endpoints given', 'use --endpoints HOST:PORT[,HOST:PORT...]');
  return [...new Set(endpoints)];
}
