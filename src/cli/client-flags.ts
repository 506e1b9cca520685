// Flags shared by every command that talks to running nodes, and how they resolve: endpoints from
// --endpoints, else --config's nodes, else CHRONIK_ENDPOINTS, else 127.0.0.1:9192; token from
// --token-file, else CHRONIK_TOKEN, else the config's tokenFile.
import { readFileSync } from 'node:fs';
import { parseEndpoints } from '../shared/address.js';
import { DEFAULT_ENDPOINT } from './defaults.js';
import { loadConfig, type ClusterConfig } from '../shared/config.js';
import { parseDuration } from '../shared/duration.js';
import { UsageError } from '../shared/errors.js';
import { resolveClientTls, type ClientTls, type ClientTlsFlags } from '../shared/client-tls.js';
import { schemeOf, type Scheme } from '../shared/url-scheme.js';

export interface ConnectionFlagValues extends ClientTlsFlags {
  endpoints?: string;
  config?: string;
  'token-file'?: string;
}

export interface Connection {
  endpoints: string[];
  /** Where the endpoints came from, for messages. */
  source: '--endpoints' | '--config' | 'CHRONIK_ENDPOINTS' | 'default';
  token?: string;
  tokenFile?: string;
  /** https when the endpoints say so (all of them: url-scheme.ts); members found from them use it too. */
  scheme: Scheme;
  tls?: ClientTls;
}

export function resolveConnection(flags: ConnectionFlagValues, env: NodeJS.ProcessEnv = process.env): Connection {
  const config: ClusterConfig | undefined = flags.config === undefined ? undefined : loadConfig(flags.config);
  let endpoints: string[];
  let source: Connection['source'];
  let scheme: Scheme | undefined;
  if (flags.endpoints !== undefined) {
    scheme = schemeOf(flags.endpoints, '--endpoints');
    endpoints = parseEndpoints(flags.endpoints);
    source = '--endpoints';
  } else if (config !== undefined) {
    if (config.nodes.length === 0) throw new UsageError(`${flags.config}: no nodes listed`, 'add nodes: [{ id, addr }] or pass --endpoints');
    endpoints = config.nodes.map((n) => n.addr);
    scheme = config.scheme;
    source = '--config';
  } else if (env.CHRONIK_ENDPOINTS !== undefined && env.CHRONIK_ENDPOINTS.trim() !== '') {
    // An env list arrives as one string: split it here (oclif would not).
    scheme = schemeOf(env.CHRONIK_ENDPOINTS, 'CHRONIK_ENDPOINTS');
    endpoints = parseEndpoints(env.CHRONIK_ENDPOINTS.replace(/\s+/g, ','));
    source = 'CHRONIK_ENDPOINTS';
  } else {
    endpoints = [DEFAULT_ENDPOINT];
    source = 'default';
  }
  const tokenFile = flags['token-file'] ?? (env.CHRONIK_TOKEN ? undefined : config?.tokenFile);
  const token = tokenFile !== undefined ? readToken(tokenFile) : env.CHRONIK_TOKEN || undefined;
  const tls = resolveClientTls(flags, config, env);
  return { endpoints, source, token, tokenFile, scheme: scheme ?? 'http', ...(tls !== undefined ? { tls } : {}) };
}

function readToken(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read token file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  const token = text.trim();
  if (token === '') throw new UsageError(`token file ${path} is empty`);
  return token;
}

export function resolveTimeout(text: string, flag = '--timeout'): number {
  return parseDuration(text, flag);
}
