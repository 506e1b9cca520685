// Small extractors shared by the dialect interpreters: key/value lookup that tolerates slog's `k: v`,
// logfmt's `k=v`, TiKV's `[k=v]` and JSON, plus id-list parsing for voter sets.

/** Looks up a field by name in a JSON object or in the text forms `key: v`, `key=v`, `[key=v]`, `"key"=v`. */
export function field(message: string, json: Record<string, unknown> | undefined, key: string): string | undefined {
  if (json !== undefined && key in json) {
    const value = json[key];
    return value === null || value === undefined ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  }
  let at = message.indexOf(key);
  while (at >= 0) {
    const before = at === 0 ? ' ' : message[at - 1]!;
    const after = at + key.length;
    if (before === ' ' || before === '[' || before === ',' || before === '"' || before === '\t') {
      let valueAt = -1;
      const rest = message.slice(after, after + 3);
      if (rest.startsWith(': ')) valueAt = after + 2;
      else if (rest.startsWith('=')) valueAt = after + 1;
      else if (rest.startsWith('"=')) valueAt = after + 2;
      if (valueAt >= 0) return readValue(message, valueAt);
    }
    at = message.indexOf(key, at + key.length);
  }
  return undefined;
}

function readValue(text: string, at: number): string {
  if (text[at] === '[') {
    const close = text.indexOf(']', at);
    if (close > 0) return text.slice(at, close + 1);
  }
  if (text[at] === '"') {
    let end = at + 1;
    while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
    return text.slice(at + 1, end).replace(/\\"/g, '"');
  }
  let end = at;
  while (end < text.length && !' ,]\t'.includes(text[end]!)) end++;
  return text.slice(at, end);
}

export function numberField(message: string, json: Record<string, unknown> | undefined, key: string): number | undefined {
  const raw = field(message, json, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Decimal voter ids as etcd 3.4 prints them (`voters=(4453760892670118341)`) become the hex the rest uses. */
export function etcdId(token: string): string {
  const t = token.trim().toLowerCase();
  if (/^\d{17,20}$/.test(t)) return BigInt(t).toString(16);
  return t.replace(/^0+(?=.)/, '');
}

/** Parses etcd's `voters=(a b c)&&(a b)` keeping the incoming half; returns undefined if absent. */
export function etcdVoters(message: string): string[] | undefined {
  const m = /voters=\(([^)]*)\)/.exec(message);
  if (!m) return undefined;
  return m[1]!.split(/\s+/).filter((t) => t !== '').map(etcdId);
}

/** Parses raft-rs's Debug JointConfig `incoming: Configuration { voters: {1, 2} }, outgoing: ...`. */
/**
 * A structured record's message with its fields appended as slog's text form prints them
 * (`msg, key: value, ...`), so patterns written against the text form read JSON records too
 * (raft-rs through slog-json or tracing's JSON, where a configuration is a field, not text).
 */
export function withFields(message: string, json: Record<string, unknown> | undefined): string {
  if (json === undefined) return message;
  let text = message;
  for (const [key, value] of Object.entries(json)) {
    if (value === null || typeof value === 'object' || value === message) continue;
    text += `, ${key}: ${String(value)}`;
  }
  return text;
}

export function raftRsVoters(message: string): string[] | undefined {
  const incoming = /incoming: Configuration \{ voters: \{([^}]*)\}/.exec(message);
  const outgoing = /outgoing: Configuration \{ voters: \{([^}]*)\}/.exec(message);
  if (!incoming) return undefined;
  const ids = new Set<string>();
  for (const part of [incoming[1], outgoing?.[1]]) {
    for (const token of (part ?? '').split(',')) if (token.trim() !== '') ids.add(token.trim());
  }
  return [...ids];
}

/** Parses hashicorp's `[{Suffrage:Voter ID:a Address:h:p} ...]` into voter addresses (and ID -> address pairs). */
export function hashicorpServers(text: string): { voters: string[]; ids: Map<string, string> } | undefined {
  const open = text.indexOf('[');
  if (open < 0) return undefined;
  const voters: string[] = [];
  const ids = new Map<string, string>();
  const entry = /\{Suffrage:(\w+) ID:(\S*) Address:([^\s}]*)\}/g;
  for (const m of text.slice(open).matchAll(entry)) {
    ids.set(m[2]!, m[3]!);
    if (m[1] === 'Voter') voters.push(m[3]!);
  }
  if (voters.length === 0 && !/\[\s*\]/.test(text.slice(open, open + 3)) && ids.size === 0) return undefined;
  return { voters, ids };
}

/** Parses a chronik/app id list `[1,2,3]` or `1@h:p,2@h:p` into ids. */
export function idList(text: string): string[] {
  return text
    .replace(/^[[(]|[\])]$/g, '')
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter((t) => t !== '')
    .map((t) => (t.includes('@') ? t.slice(0, t.indexOf('@')) : t));
}

/** Parses durations as loggers print them: `1.2s`, `850ms`, `1.5µs`, `2m3s`, Go's `1.234567s`. */
export function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const unitMs: Record<string, number> = { ns: 1e-6, 'µs': 1e-3, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = false;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|µs|us|ms|s|m|h)/g)) {
    total += Number(m[1]) * unitMs[m[2]!]!;
    matched = true;
  }
  if (!matched && /^\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  return matched ? total : undefined;
}
