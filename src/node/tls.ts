// A node's TLS material: the server pair (and client CA) it serves HTTPS with, the peer pair and CA it
// uses for mutual TLS with members, re-read when the files change (a bad new file is logged and the old
// material kept), and the peer check that /raft/ requests and outgoing member connections apply.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { checkServerIdentity, createSecureContext, type ConnectionOptions, type PeerCertificate, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { Agent, buildConnector } from 'undici';
import { UsageError } from '../shared/errors.js';
import type { Logger } from './logger.js';

export interface NodeTlsFiles {
  certFile: string;
  keyFile: string;
  /** Operators must present a certificate that chains to this CA. */
  clientCaFile?: string;
  /** Members must present (and serve) a certificate that chains to this CA: member traffic is mutual TLS. */
  peerCaFile?: string;
  /** The pair presented to peers; defaults to the server pair. */
  peerCertFile?: string;
  peerKeyFile?: string;
  /** A peer's certificate must name this in its CN or a DNS/IP SAN. */
  peerAllowedCn?: string;
}

interface Material {
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
  peerCa?: Buffer;
  peerCert: Buffer;
  peerKey: Buffer;
  /** The peer CA's certificates, for telling a peer's chain apart from an operator's. */
  peerCaCerts: X509Certificate[];
}

/** How often the files are polled: a stat per file, cheap, and robust to the rename a rotation usually is. */
const WATCH_INTERVAL_MS = Number(process.env.CHRONIK_TLS_WATCH_MS ?? 1000);

function readPem(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** Every certificate in a PEM bundle. */
function certificates(pem: Buffer, file: string): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new UsageError(`${file} holds no PEM certificate`);
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (err) {
    throw new UsageError(`${file}: not a valid certificate (${(err as Error).message})`);
  }
}

/** Reads and checks every file; throws UsageError naming the first bad one. */
function loadMaterial(files: NodeTlsFiles): Material {
  const cert = readPem(files.certFile, '--cert-file');
  const key = readPem(files.keyFile, '--key-file');
  const clientCa = files.clientCaFile !== undefined ? readPem(files.clientCaFile, '--client-ca-file') : undefined;
  const peerCa = files.peerCaFile !== undefined ? readPem(files.peerCaFile, '--peer-ca-file') : undefined;
  const peerCert = files.peerCertFile !== undefined ? readPem(files.peerCertFile, '--peer-cert-file') : cert;
  const peerKey = files.peerKeyFile !== undefined ? readPem(files.peerKeyFile, '--peer-key-file') : key;
  certificates(cert, files.certFile);
  if (clientCa !== undefined) certificates(clientCa, files.clientCaFile as string);
  const peerCaCerts = peerCa !== undefined ? certificates(peerCa, files.peerCaFile as string) : [];
  checkPair(cert, key, `${files.certFile} and ${files.keyFile}`);
  if (files.peerCertFile !== undefined) checkPair(peerCert, peerKey, `${files.peerCertFile} and ${files.peerKeyFile}`);
  return {
    cert,
    key,
    peerCert,
    peerKey,
    peerCaCerts,
    ...(clientCa !== undefined ? { clientCa } : {}),
    ...(peerCa !== undefined ? { peerCa } : {}),
  };
}

/** A key that is not PEM, or does not belong to its certificate, fails here rather than at the first handshake. */
function checkPair(cert: Buffer, key: Buffer, what: string): void {
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    throw new UsageError(`${what} are not a usable certificate and key: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Whether the certificate (or its SANs) names `name`. */
function names(cert: PeerCertificate, name: string): boolean {
  if (cert.subject?.CN === name) return true;
  const sans = (cert.subjectaltname ?? '').split(',').map((part) => part.trim());
  return sans.some((san) => san === `DNS:${name}` || san === `IP Address:${name}`);
}

export class NodeTls {
  private material: Material;
  private connector: buildConnector.connector;
  private readonly reloadListeners: (() => void)[] = [];
  private watching = false;

  private logger: Logger | undefined;

  constructor(readonly files: NodeTlsFiles) {
    this.material = loadMaterial(files);
    this.connector = buildConnector(this.peerConnectOptions());
  }

  /** Member traffic is mutual TLS (a peer CA is configured). */
  get mutual(): boolean {
    return this.material.peerCa !== undefined;
  }

  /** Options of the HTTPS server; given again to setSecureContext on reload. */
  serverOptions(): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
    const { cert, key, clientCa, peerCa } = this.material;
    const cas = [clientCa, peerCa].filter((ca): ca is Buffer => ca !== undefined);
    return {
      cert,
      key,
      ...(cas.length > 0 ? { ca: cas } : {}),
      requestCert: cas.length > 0,
      // With a client CA nobody gets in without a certificate (operators' or members'); with only a peer
      // CA, operators may come without one and the peer check below guards /raft/.
      rejectUnauthorized: clientCa !== undefined,
    };
  }

  /** What an outgoing member connection presents and trusts (node:https, node:tls). */
  peerConnectOptions(): ConnectionOptions {
    const { peerCert, peerKey, peerCa } = this.material;
    const allowed = this.files.peerAllowedCn;
    return {
      cert: peerCert,
      key: peerKey,
      ...(peerCa !== undefined ? { ca: peerCa } : {}),
      ...(allowed !== undefined
        ? {
            checkServerIdentity: (host: string, cert: PeerCertificate): Error | undefined =>
              checkServerIdentity(host, cert) ??
              (names(cert, allowed) ? undefined : new Error(`peer ${host} presented a certificate for ${cert.subject?.CN ?? '?'}, not ${allowed}`)),
          }
        : {}),
    };
  }

  /** An undici dispatcher for forwarded writes: every new connection uses the current peer pair. */
  dispatcher(): Agent {
    return new Agent({ keepAliveTimeout: 30_000, connect: (options, callback) => this.connector(options, callback) });
  }

  /** The connect function for an undici Pool to a peer: every new connection uses the current peer pair. */
  connect(): buildConnector.connector {
    return (options, callback) => this.connector(options, callback);
  }

  /**
   * Why a connection may not carry member traffic, or undefined when it may: with a peer CA, its client
   * certificate must chain to that CA (not just to the client CA) and, with --peer-allowed-cn, name it.
   */
  peerRefusal(socket: TLSSocket): string | undefined {
    if (!this.mutual) return undefined;
    if (!socket.authorized) return `member traffic needs a certificate from the peer CA (${String(socket.authorizationError ?? 'none presented')})`;
    const leaf = socket.getPeerCertificate(true);
    if (!this.chainsToPeerCa(leaf)) return 'the client certificate does not chain to the peer CA';
    const allowed = this.files.peerAllowedCn;
    if (allowed !== undefined && !names(leaf, allowed)) return `the client certificate names ${leaf.subject?.CN ?? '?'}, not ${allowed}`;
    return undefined;
  }

  private chainsToPeerCa(leaf: PeerCertificate): boolean {
    const seen = new Set<string>();
    let cert: PeerCertificate | undefined = leaf;
    while (cert?.raw !== undefined && !seen.has(cert.fingerprint256)) {
      seen.add(cert.fingerprint256);
      const x509 = new X509Certificate(cert.raw);
      if (this.material.peerCaCerts.some((ca) => ca.fingerprint256 === x509.fingerprint256 || (x509.checkIssued(ca) && x509.verify(ca.publicKey)))) return true;
      cert = (cert as { issuerCertificate?: PeerCertificate }).issuerCertificate;
    }
    return false;
  }

  /** Calls `listener` after every successful reload (the server swaps its secure context there). */
  onReload(listener: () => void): void {
    this.reloadListeners.push(listener);
  }

  /** Polls every file; a change reloads them all, a bad set is logged and the old material kept. */
  watch(logger: Logger): void {
    this.logger = logger;
    if (this.watching) return;
    this.watching = true;
    for (const file of this.watchedFiles()) {
      watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, (now, before) => {
        if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
        this.reload(file);
      });
    }
  }

  private reload(changed: string): void {
    try {
      this.material = loadMaterial(this.files);
      this.connector = buildConnector(this.peerConnectOptions());
      for (const listener of this.reloadListeners) listener();
      this.logger?.info('tls certificates reloaded', { file: changed });
    } catch (err) {
      this.logger?.warn('tls reload failed, keeping the previous certificates', { file: changed, error: (err as Error).message });
    }
  }

  private watchedFiles(): string[] {
    const { certFile, keyFile, clientCaFile, peerCaFile, peerCertFile, peerKeyFile } = this.files;
    return [...new Set([certFile, keyFile, clientCaFile, peerCaFile, peerCertFile, peerKeyFile].filter((f): f is string => f !== undefined))];
  }

  close(): void {
    for (const file of this.watchedFiles()) unwatchFile(file);
    this.watching = false;
  }
}
