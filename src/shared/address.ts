// Parses HOST:PORT addresses, peer specs ("2@hostB:9192,3@hostC:9192") and endpoint lists.
import { UsageError } from './errors.js';

export interface Peer {
  id: number;
  addr: string;
}

/** Validates HOST:PORT (IPv6 in brackets) and returns it normalised. */
export function parseHostPort(text: string, what = 'address'): string {
  const value = text.trim();
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(value);
  if (!match) throw new UsageError(`invalid ${what} "${text}": expected HOST:PORT`);
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`invalid ${what} "${text}": port must be between 1 and 65535`);
  }
  return `${match[1]}:${port}`;
}

export function parseNodeId(text: string, what = 'node id'): number {
  const value = text.trim();
  if (!/^\d+$/.test(value)) throw new UsageError(`invalid ${what} "${text}": expected a positive integer`);
  const id = Number(value);
  if (!Number.isSafeInteger(id) || id < 1) {
    throw new UsageError(`invalid ${what} "${text}": expected a positive integer`);
  }
  return id;
}

/** One ID@HOST:PORT. */
export function parsePeer(text: string): Peer {
  const at = text.indexOf('@');
  if (at < 0) throw new UsageError(`invalid peer "${text}": expected ID@HOST:PORT`);
  return {
    id: parseNodeId(text.slice(0, at), `peer id in "${text}"`),
    addr: parseHostPort(text.slice(at + 1), `peer address in "${text}"`),
  };
}

/**
 * A comma-separated peer list. Rejects duplicate ids, duplicate addresses and, when selfId is given,
 * the node's own id (the node is always a member; listing it as its own peer is a typo waiting to bite).
 */
export function parsePeers(text: string | undefined, selfId?: number, selfAddr?: string): Peer[] {
  if (text === undefined || text.trim() === '') return [];
  const peers = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(parsePeer);
  const ids = new Set<number>();
  const addrs = new Set<string>(selfAddr === undefined ? [] : [selfAddr]);
  for (const peer of peers) {
    if (peer.id === selfId) {
      throw new UsageError(`peer ${peer.id}@${peer.addr} has this node's own id ${selfId}`, 'list only the other nodes in --peers');
    }
    if (ids.has(peer.id)) throw new UsageError(`duplicate peer id ${peer.id} in --peers`);
    if (addrs.has(peer.addr)) throw new UsageError(`duplicate address ${peer.addr} in --peers`);
    ids.add(peer.id);
    addrs.add(peer.addr);
  }
  return peers;
}

/** A comma-separated endpoint list (HOST:PORT each, optionally with an http:// prefix). */
export function parseEndpoints(text: string): string[] {
  const endpoints = text
    .split(',')
    .map((part) => part.trim().replace(/^https?:\/\//, '').replace(/\/$/, ''))
    .filter((part) => part !== '')
    .map((part) => parseHostPort(part, 'endpoint'));
  if (endpoints.length === 0) throw new UsageError('no endpoints given', 'use --endpoints HOST:PORT[,HOST:PORT...]');
  return [...new Set(endpoints)];
}

export function isLoopbackHost(addr: string): boolean {
  const host = addr.slice(0, addr.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
