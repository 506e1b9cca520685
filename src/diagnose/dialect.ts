// Recognises a file's dialect from its first lines (after the envelope layer, lineshape.ts, peeled
// their wrappers), and routes each interesting line to the template layer (interpret/): its own
// library's templates first, then every other library's.
import type { Dialect } from './model.js';
import { shapeLine } from './lineshape.js';
import type { LineContext } from './interpret/context.js';
import type { Keyword } from './keywords.js';
import { CHRONIK_KEYWORDS, interpretChronik } from './interpret/chronik.js';
import { ETCD_GROUP_KEYWORDS, ETCD_IDENTITY_KEYWORDS, ETCD_KEYWORDS, interpretEtcd, interpretEtcdServer } from './interpret/etcd.js';
import { GENERIC_KEYWORDS, GENERIC_STOP_KEYWORDS, interpretGeneric } from './interpret/generic.js';
import { HASHICORP_IDENTITY_KEYWORDS, HASHICORP_KEYWORDS, interpretHashicorp, type HashicorpState } from './interpret/hashicorp.js';
import { interpretOther, OTHER_ETCD_KEYWORDS, OTHER_HASHICORP_KEYWORDS, OTHER_KEYWORDS, OTHER_RUST_KEYWORDS } from './interpret/other.js';
import { interpretRaftCore, RAFT_CORE_KEYWORDS, RAFT_RS_KEYWORDS } from './interpret/raft-core.js';

const CHRONIK_TEXT = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?:DEBUG|INFO |WARN |ERROR) [a-z][a-z ;'-]*(?: [\w.]+=|$)/;
const CAPNSLOG = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6} [DINWEC] \| |^raft\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d (?:INFO|WARN|DEBUG|ERROR): /;
const TIKV = /^\[\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d\] \[[A-Z]+\] \[/;
const GO_CALLER = /^\[[^\]]+\] \[[A-Z]+\] \[[\w./-]+\.go:\d+\]/;
const HCLOG = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|[+-]\d{4}) \[(?:TRACE|DEBUG|INFO|WARN|ERROR)\]\s/;
const HASHICORP_LEGACY = /^\s*\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[(?:INFO|WARN|ERR|ERROR|DEBUG|TRACE)\] /;
const SLOG_TERM = /^\s?[A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{3} (?:TRCE|DEBG|INFO|WARN|ERRO|CRIT) /;
// TiKV 2.x/3.x: `2019/01/02 10:29:20.929 INFO raft.rs:722: [region 1] ...` or `... raft.rs:722: [INFO] [region 1] ...`
const TIKV_LEGACY = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d\.\d{3} (?:(?:INFO|WARN|ERROR|DEBUG) \S+:\d+: |\S+:\d+: \[(?:INFO|WARN|ERROR|DEBUG)\] )/;
const TRACING = /^\s*\[?(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)\s+)?(?:TRACE|DEBUG|INFO|WARN|ERROR)\s+\S/;

/** Classifies one line by its product's own layout, whatever envelopes wrap it; undefined when it says nothing about the dialect. */
export function lineDialect(raw: string): Dialect | undefined {
  const shape = shapeLine(raw);
  if (shape.json && !shape.logfmt) {
    const j = shape.json;
    if ('@message' in j) return 'hashicorp-json';
    if ('caller' in j && 'msg' in j) return 'etcd-zap';
    if ('msg' in j && 'node' in j && 'ts' in j) return 'chronik-json';
    if ('target' in j || 'fields' in j) return 'rust-tracing';
    // TiKV's json log format: message, caller `file.rs:LINE`, level, time; raft-rs through slog-json: its raft_id key.
    if (typeof j.message === 'string' && typeof j.caller === 'string' && /\.rs:\d+$/.test(j.caller)) return 'tikv';
    if ('raft_id' in j) return 'raft-rs';
    return undefined;
  }
  const line = shape.layout;
  if (line === undefined) return undefined;
  if (CHRONIK_TEXT.test(line)) return 'chronik-text';
  if (CAPNSLOG.test(line)) return 'etcd-capnslog';
  // PD writes TiKV's layout from Go (its callers are .go files) and embeds etcd: etcd's family reads it.
  if (TIKV.test(line)) return GO_CALLER.test(line) ? 'etcd-zap' : 'tikv';
  if (TIKV_LEGACY.test(line)) return 'tikv';
  if (HCLOG.test(line)) return 'hashicorp-hclog';
  if (HASHICORP_LEGACY.test(line)) return 'hashicorp-legacy';
  if (SLOG_TERM.test(line)) return 'raft-rs';
  if (TRACING.test(line)) return /raft_id[:=]/.test(line) && !/::/.test(line) ? 'raft-rs' : 'rust-tracing';
  return undefined;
}

/** The most common dialect among the sample lines. */
export function detectDialect(sample: string[]): Dialect {
  const votes = new Map<Dialect, number>();
  for (const line of sample) {
    if (line.trim() === '') continue;
    const dialect = lineDialect(line);
    if (dialect) votes.set(dialect, (votes.get(dialect) ?? 0) + 1);
  }
  let best: Dialect = 'unknown';
  let bestVotes = 0;
  for (const [dialect, count] of votes) {
    if (count > bestVotes) {
      best = dialect;
      bestVotes = count;
    }
  }
  return best;
}

export interface DialectState {
  hashicorp: HashicorpState;
  /** Last voters text per node, so a configuration logged again unchanged costs nothing. */
  lastVoters: Map<string, string>;
}

/**
 * The family of dialects a product's nodes may mix (versions, text or JSON): they share interpreters
 * and keywords, and are the group of events that name no cluster or region (files of different
 * families are never one cluster).
 */
export type DialectFamily = 'chronik' | 'etcd' | 'hashicorp' | 'raft-rs' | 'default';

export function dialectFamily(dialect: Dialect): DialectFamily {
  switch (dialect) {
    case 'chronik-text':
    case 'chronik-json':
      return 'chronik';
    case 'etcd-zap':
    case 'etcd-capnslog':
      return 'etcd';
    case 'hashicorp-hclog':
    case 'hashicorp-json':
    case 'hashicorp-legacy':
      return 'hashicorp';
    case 'raft-rs':
    case 'tikv':
    case 'rust-tracing':
      return 'raft-rs';
    default:
      return 'default';
  }
}

/**
 * Runs the templates of the dialect's own library on one shaped line, then, if none matched, every
 * other library's (products embed libraries: PD embeds etcd, Vault hashicorp/raft, SwarmKit etcd-io/raft
 * under logrus), so a Raft message is recognised by its body whatever envelope carries it. Returns
 * whether the line looked like Raft (a term, a vote, a leader, a peer) and matched no template.
 */
export function interpretLine(dialect: Dialect, ctx: LineContext, state: DialectState): boolean {
  let family = dialectFamily(dialect);
  if (family === 'default') {
    // A file we could not classify up front: classify this line on its own.
    const own = lineDialect(ctx.raw);
    if (own !== undefined) family = dialectFamily(own);
  }
  switch (family) {
    case 'chronik':
      // chronik's lines come from its own catalogue: nothing else is looked for in them.
      if (interpretChronik(ctx, state.lastVoters)) ctx.recognise();
      else interpretGeneric(ctx);
      return false;
    case 'etcd':
      interpretEtcd(ctx);
      break;
    case 'hashicorp':
      interpretHashicorp(ctx, state.hashicorp);
      interpretGenericStops(ctx);
      break;
    case 'raft-rs':
      if (!interpretRaftCore(ctx, false)) interpretGeneric(ctx);
      break;
    default:
      break;
  }
  if (!ctx.interpreted()) interpretOtherLibraries(family, ctx, state);
  return !ctx.matched() && RAFT_LOOKING.test(ctx.shape.message);
}

/** Every library's templates but the family's own, on a line its own did not match. */
function interpretOtherLibraries(family: DialectFamily, ctx: LineContext, state: DialectState): void {
  if (family !== 'etcd') {
    // etcd-io/raft prints hex ids; raft-rs names its node in fields (raft_id, region_id).
    if (family !== 'raft-rs') interpretRaftCore(ctx, !RAFT_RS_IDENTITY.test(ctx.shape.message));
    if (!ctx.interpreted()) interpretEtcdServer(ctx);
  }
  if (!ctx.interpreted() && family !== 'hashicorp') interpretHashicorp(ctx, state.hashicorp);
  if (!ctx.interpreted()) interpretOther(ctx);
  if (!ctx.interpreted() && family !== 'raft-rs') interpretGeneric(ctx);
}

const RAFT_RS_IDENTITY = /raft_id|region_id|\[region \d+\]/;
/** What a line about Raft says: a term, a vote, a leader, a peer, a candidate, an election, a quorum. */
const RAFT_LOOKING = /\b(?:term|votes?|voted|leader|leadership|peers?|candidate|election|quorum)\b/i;
/** The keywords of RAFT_LOOKING, so the prefilter also brings the lines no template matches. */
// (words, not parts of names: `[peer_storage.rs:1712]` is no reason to read a line).
export const RAFT_LOOKING_KEYWORDS: readonly Keyword[] = [' term', ' vote', 'Vote', 'eader', ' peer', 'andidate', 'lection'];

export interface DialectKeywords {
  /** A line holding none of these makes no interpreter of the dialect react. */
  lines: readonly Keyword[];
  /** Lines that only name the stream's node: needed until the stream knows it. */
  identity: readonly Keyword[];
  /** Lines that only name the stream's Raft group: needed until the stream knows it. */
  group: readonly Keyword[];
}

// One object per family, so the keyword filters (and the anchors each thread picks for them) are
// shared by the family's files too. A family's files may hold other libraries' lines (a product
// embedding another library): the Raft-looking words bring those lines to every library's templates
// (and count them when none matches), while each family lists only its own templates' keywords, as
// the line finder slows down with every keyword. A file of no known dialect may hold anything.
const IDENTITY: readonly Keyword[] = [...ETCD_IDENTITY_KEYWORDS, ...HASHICORP_IDENTITY_KEYWORDS];
const FAMILY_KEYWORDS: Record<DialectFamily, DialectKeywords> = {
  chronik: { lines: [...CHRONIK_KEYWORDS, ...GENERIC_KEYWORDS], identity: [], group: [] },
  etcd: { lines: [...ETCD_KEYWORDS, ...RAFT_CORE_KEYWORDS, ...GENERIC_STOP_KEYWORDS, ...OTHER_ETCD_KEYWORDS, ...RAFT_LOOKING_KEYWORDS], identity: ETCD_IDENTITY_KEYWORDS, group: ETCD_GROUP_KEYWORDS },
  hashicorp: { lines: [...HASHICORP_KEYWORDS, ...GENERIC_STOP_KEYWORDS, ...OTHER_HASHICORP_KEYWORDS, ...RAFT_LOOKING_KEYWORDS], identity: HASHICORP_IDENTITY_KEYWORDS, group: [] },
  'raft-rs': { lines: [...RAFT_CORE_KEYWORDS, ...RAFT_RS_KEYWORDS, ...GENERIC_KEYWORDS, ...OTHER_RUST_KEYWORDS, ...RAFT_LOOKING_KEYWORDS], identity: [], group: [] },
  default: {
    lines: [...CHRONIK_KEYWORDS, ...ETCD_KEYWORDS, ...HASHICORP_KEYWORDS, ...RAFT_CORE_KEYWORDS, ...RAFT_RS_KEYWORDS, ...OTHER_KEYWORDS, ...GENERIC_KEYWORDS, ...RAFT_LOOKING_KEYWORDS],
    identity: IDENTITY,
    group: ETCD_GROUP_KEYWORDS,
  },
};

/** What interpretLine's interpreters for the dialect react to (each interpreter declares its own). */
export function dialectKeywords(dialect: Dialect): DialectKeywords {
  return FAMILY_KEYWORDS[dialectFamily(dialect)];
}

// Its keywords are GENERIC_STOP_KEYWORDS.
function interpretGenericStops(ctx: LineContext): void {
  if ((ctx.shape.message === 'Caught' && ctx.shape.json?.signal !== undefined) || /Caught: signal|caught signal|shutting down server|Gracefully shutting down|received (?:\w+ )?signal/i.test(ctx.shape.message)) ctx.emit('node-stop');
}
