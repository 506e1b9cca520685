// The optional http:// or https:// in front of an address. A cluster is all HTTPS or all plain HTTP, so the
// scheme is a property of the whole list (or node), checked here and then dropped: addresses stay HOST:PORT.
import { UsageError } from './errors.js';

export type Scheme = 'http' | 'https';

const SCHEME = /(^|[,@\s])\s*(https?):\/\//gi;

/** The schemes written in `text` (any list of addresses, peers or endpoints). */
export function schemesIn(text: string): Set<Scheme> {
  return new Set([...text.matchAll(SCHEME)].map((match) => (match[2] as string).toLowerCase() as Scheme));
}

/** `text` without its schemes. */
export function withoutSchemes(text: string): string {
  return text.replace(SCHEME, '$1');
}

/** The one scheme a list uses: throws when it mixes http:// and https://; undefined when it names none. */
export function schemeOf(text: string, what: string): Scheme | undefined {
  const schemes = schemesIn(text);
  if (schemes.size > 1) throw new UsageError(`${what} mixes http:// and https:// addresses`, 'a cluster is either all TLS or all plain HTTP');
  return [...schemes][0];
}

/** For a node: addresses may say https:// only if it serves TLS, and http:// only if it does not. */
export function checkNodeScheme(text: string | undefined, tls: boolean, what: string): string | undefined {
  if (text === undefined) return undefined;
  const scheme = schemeOf(text, what);
  if (scheme === 'https' && !tls) throw new UsageError(`${what} names https:// addresses but this node has no --cert-file`, 'give --cert-file and --key-file, or drop https://');
  if (scheme === 'http' && tls) throw new UsageError(`${what} names http:// addresses but this node serves TLS`, 'members of a TLS cluster are reached over https://');
  return withoutSchemes(text);
}
