// Loads the cluster YAML file of SPEC.md; unknown keys and bad values are errors naming key and line.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Node as YamlNode, Pair } from 'yaml';
import { parseHostPort } from './address.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import { schemeOf, withoutSchemes, type Scheme } from './url-scheme.js';

// yaml (some 70 modules) is loaded when a config file is read, not by every command that may read one.
let yamlModule: typeof import('yaml') | undefined;
const yaml = (): typeof import('yaml') => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));

export interface ClusterConfig {
  cluster?: string;
  tickMs?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  tokenFile?: string;
  clusterToken?: string;
  nodes: { id: number; addr: string }[];
  /** 'https' when the nodes' addresses are written https:// (all of them, or none: url-scheme.ts). */
  scheme?: Scheme;
  /** Operator TLS, etcdctl's names (`tls: {caFile, certFile, keyFile}`). */
  tls?: Partial<Record<(typeof TLS_KEYS)[number], string>>;
  /** A node's TLS, the bootstrap flags in camel case (`memberTls: {certFile, keyFile, peerCaFile, ...}`). */
  memberTls?: Partial<Record<(typeof MEMBER_TLS_KEYS)[number], string>>;
}

const TOP_KEYS = ['cluster', 'clusterToken', 'tick', 'electionTicks', 'heartbeatTicks', 'tokenFile', 'tls', 'memberTls', 'nodes'] as const;
const NODE_KEYS = ['id', 'addr'] as const;
const TLS_KEYS = ['caFile', 'certFile', 'keyFile'] as const;
const MEMBER_TLS_KEYS = ['certFile', 'keyFile', 'clientCaFile', 'peerCaFile', 'peerCertFile', 'peerKeyFile', 'peerAllowedCn'] as const;

export function loadConfig(path: string): ClusterConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  return parseConfig(text, path);
}

export function parseConfig(text: string, path = 'config'): ClusterConfig {
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, uniqueKeys: true });
  const lineOf = (node: YamlNode | null | undefined): number =>
    node?.range ? lineCounter.linePos(node.range[0]).line : 1;
  const fail = (node: YamlNode | null | undefined, message: string): never => {
    throw new UsageError(`${path}:${lineOf(node)}: ${message}`);
  };
  if (doc.errors.length > 0) {
    const first = doc.errors[0]!;
    throw new UsageError(`${path}:${first.linePos?.[0]?.line ?? 1}: invalid YAML: ${first.message.split('\n')[0]}`);
  }
  const root = doc.contents;
  if (!yaml().isMap(root)) return fail(root, 'expected a mapping with keys cluster, tick, nodes, ...');

  const config: ClusterConfig = { nodes: [] };
  for (const pair of root.items as Pair<YamlNode, YamlNode>[]) {
    const key = yaml().isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    const scalar = (): string => (yaml().isScalar(value) && value.value !== null ? String(value.value) : fail(value ?? pair.key, `${key}: expected a value`));
    const positiveInt = (): number => {
      const n = Number(scalar());
      return Number.isInteger(n) && n > 0 ? n : fail(value, `${key}: expected a positive integer, got "${scalar()}"`);
    };
    const guard = <T>(parse: () => T): T => {
      try {
        return parse();
      } catch (err) {
        return fail(value, `${key}: ${(err as Error).message}`);
      }
    };
    switch (key as (typeof TOP_KEYS)[number]) {
      case 'cluster':
        config.cluster = scalar();
        break;
      case 'clusterToken':
        config.clusterToken = scalar();
        break;
      case 'tick':
        config.tickMs = guard(() => parseDuration(scalar(), 'tick'));
        break;
      case 'electionTicks':
        config.electionTicks = positiveInt();
        break;
      case 'heartbeatTicks':
        config.heartbeatTicks = positiveInt();
        break;
      case 'tokenFile':
        config.tokenFile = scalar();
        break;
      case 'tls':
        config.tls = parseStringMap(key, value, TLS_KEYS, fail);
        break;
      case 'memberTls':
        config.memberTls = parseStringMap(key, value, MEMBER_TLS_KEYS, fail);
        break;
      case 'nodes': {
        if (!yaml().isSeq(value)) fail(value ?? pair.key, 'nodes: expected a list of { id, addr }');
        const addrs = (value as unknown as { items: YamlNode[] }).items.flatMap((item) => (yaml().isMap(item) && yaml().isScalar(item.get('addr', true)) ? [String(item.get('addr'))] : []));
        const scheme = guard(() => schemeOf(addrs.join(','), 'the list'));
        if (scheme !== undefined) config.scheme = scheme;
        config.nodes = parseNodes(value as YamlNode, fail);
        break;
      }
      default:
        fail(pair.key, `unknown key "${key}" (known keys: ${TOP_KEYS.join(', ')})`);
    }
  }
  return config;
}

function parseNodes(seq: YamlNode, fail: (node: YamlNode | null | undefined, message: string) => never): ClusterConfig['nodes'] {
  const nodes: ClusterConfig['nodes'] = [];
  if (!yaml().isSeq(seq)) return nodes;
  for (const item of seq.items as YamlNode[]) {
    if (!yaml().isMap(item)) fail(item, 'nodes: each entry must be { id, addr }');
    const entry: { id?: number; addr?: string } = {};
    for (const pair of (item as unknown as { items: Pair<YamlNode, YamlNode>[] }).items) {
      const key = yaml().isScalar(pair.key) ? String(pair.key.value) : '';
      const raw = yaml().isScalar(pair.value) && pair.value.value !== null ? String(pair.value.value) : undefined;
      if (raw === undefined) fail(pair.value ?? pair.key, `nodes.${key}: expected a value`);
      if (key === 'id') {
        const id = Number(raw);
        if (!Number.isSafeInteger(id) || id < 1) fail(pair.value, `nodes.id: expected a positive integer, got "${raw}"`);
        entry.id = id;
      } else if (key === 'addr') {
        try {
          entry.addr = parseHostPort(withoutSchemes(raw as string));
        } catch (err) {
          fail(pair.value, `nodes.addr: ${(err as Error).message}`);
        }
      } else {
        fail(pair.key, `unknown key "nodes.${key}" (known keys: ${NODE_KEYS.join(', ')})`);
      }
    }
    if (entry.id === undefined || entry.addr === undefined) fail(item, 'nodes: each entry needs both id and addr');
    if (nodes.some((n) => n.id === entry.id)) fail(item, `nodes: duplicate id ${entry.id}`);
    if (nodes.some((n) => n.addr === entry.addr)) fail(item, `nodes: duplicate addr ${entry.addr}`);
    nodes.push(entry as { id: number; addr: string });
  }
  return nodes;
}

/** A mapping of file paths (or names) under one of `known` keys each. */
function parseStringMap<K extends string>(
  name: string,
  value: YamlNode | null,
  known: readonly K[],
  fail: (node: YamlNode | null | undefined, message: string) => never,
): Partial<Record<K, string>> {
  if (!yaml().isMap(value)) return fail(value, `${name}: expected a mapping with keys ${known.join(', ')}`);
  const out: Partial<Record<K, string>> = {};
  for (const pair of value.items as Pair<YamlNode, YamlNode>[]) {
    const key = yaml().isScalar(pair.key) ? String(pair.key.value) : '';
    if (!(known as readonly string[]).includes(key)) fail(pair.key, `unknown key "${name}.${key}" (known keys: ${known.join(', ')})`);
    if (!yaml().isScalar(pair.value) || pair.value.value === null || String(pair.value.value) === '') fail(pair.value ?? pair.key, `${name}.${key}: expected a value`);
    out[key as K] = String((pair.value as { value: unknown }).value);
  }
  return out;
}
