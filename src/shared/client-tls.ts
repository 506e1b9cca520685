// Operator TLS (etcdctl's names): --cacert/--cert/--key, else env CHRONIK_CACERT/CHRONIK_CERT/CHRONIK_KEY,
// else the config's `tls: {caFile, certFile, keyFile}`; files are read and checked here, so a bad one is
// a usage error (exit 2) before anything is sent.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ClusterConfig } from './config.js';
import { UsageError } from './errors.js';

export interface ClientTlsFlags {
  cacert?: string;
  cert?: string;
  key?: string;
}

/** PEM material for node:https: the CA to trust (else the system's), and a client pair if any. */
export interface ClientTls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
}

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** undefined when no TLS option is set anywhere: https endpoints then trust the system's CAs. */
export function resolveClientTls(flags: ClientTlsFlags, config: ClusterConfig | undefined, env: NodeJS.ProcessEnv): ClientTls | undefined {
  const pick = (flag: string | undefined, name: string, key: 'caFile' | 'certFile' | 'keyFile'): { file: string; what: string } | undefined => {
    if (flag !== undefined) return { file: flag, what: `--${name}` };
    const fromEnv = env[`CHRONIK_${name.toUpperCase()}`];
    if (fromEnv !== undefined && fromEnv !== '') return { file: fromEnv, what: `CHRONIK_${name.toUpperCase()}` };
    const fromYaml = config?.tls?.[key];
    return fromYaml !== undefined ? { file: fromYaml, what: `tls.${key}` } : undefined;
  };
  const ca = pick(flags.cacert, 'cacert', 'caFile');
  const cert = pick(flags.cert, 'cert', 'certFile');
  const key = pick(flags.key, 'key', 'keyFile');
  if (ca === undefined && cert === undefined && key === undefined) return undefined;
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError(`${(cert ?? key)?.what} needs its pair: give both --cert and --key`);
  }
  const tls: ClientTls = {};
  if (ca !== undefined) tls.ca = read(ca.file, ca.what);
  if (cert !== undefined && key !== undefined) {
    tls.cert = read(cert.file, cert.what);
    tls.key = read(key.file, key.what);
  }
  try {
    // node:tls is loaded only here, when TLS is configured: plain commands do not pay for it.
    (createRequire(import.meta.url)('node:tls') as typeof import('node:tls')).createSecureContext(tls);
  } catch (err) {
    const files = [ca, cert, key].flatMap((f) => (f !== undefined ? [`${f.what} ${f.file}`] : [])).join(', ');
    throw new UsageError(`unusable TLS files (${files}): ${(err as Error).message.split('\n')[0]}`);
  }
  if (ca !== undefined && !/-----BEGIN CERTIFICATE-----/.test(tls.ca?.toString('utf8') ?? '')) {
    throw new UsageError(`${ca.what} ${ca.file} holds no PEM certificate`);
  }
  return tls;
}

/**
 * The TLS flags of member `id` with its files named as docs/node.md's set-up names them, for the command
 * lines chronik prints (add-voter's start hint, recover plan --tls); `clientCa`: the cluster also demands
 * operators' certificates.
 */
export function memberTlsFlags(id: number | string, clientCa: boolean): string {
  return `--cert-file node${id}.pem --key-file node${id}-key.pem${clientCa ? ' --client-ca-file ca.pem' : ''} --peer-ca-file ca.pem`;
}

/** The operator's TLS flags with the files docs/node.md's set-up makes. */
export const OPERATOR_TLS_FLAGS = '--cacert ca.pem --cert operator.pem --key operator-key.pem';
