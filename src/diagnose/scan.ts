// Streams one log source: splits chunks into lines without copying each one, lets a cheap keyword
// prefilter skip the lines no interpreter cares about, and hands the rest (shaped) to the dialect.
import type { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { basename } from 'node:path';
import type { Analyzer } from './analyzer.js';
import { detectDialect, interpretLine, type DialectState } from './dialect.js';
import type { EventProps, LineContext } from './interpret/context.js';
import { shapeLine, type LineShape } from './lineshape.js';
import type { Dialect, EventKind, Evidence, FileReport, RaftEvent } from './model.js';

// Every phrase an interpreter reacts to contains one of these. They run over every byte, so they are
// kept few: dialects whose Raft lines all say "raft" (etcd, hashicorp, TiKV) get a much narrower filter.
const PREFILTER_ANY =
  /became |[Ee]lect[ie]|dropp|quorum|promotable|onfiguration|newRaft|raft\.node|higher term|[Vv]ote|Sending from|failed to|out of range|tick missed|etcd Version|tarting (?:an etcd|member|local)|mismatch|unhealthy|health check|removed|f(?:data)?sync|sync duration|took too long|signal|shutting down|closing etcd|entering |heartbeat timeout|peers|cluster leader|node starting|membership|waiting to be added|leader changed|no leader|stepped down|stepping down|unreachable|recovered|stopping/g;
const PREFILTER_ETCD = /[Rr]aft|etcd Version|tarting (?:an etcd|member)|election = |heartbeat|removed|f(?:data)?sync|sync duration|took too long|signal|closing etcd|mismatch/g;
const PREFILTER_HASHICORP = /[Rr]aft|cluster leader|[Ss]ignal|shutting down|leader elected|expected number of peers/g;
const PREFILTER_TIKV = /[Rr]aft|signal|shutting down/g;
// raft-rs records (bridged into tracing or slog) and the application lines around them.
const PREFILTER_RAFT_RS = /[Rr]aft|became |higher term|[Ee]lection|dropp|onfiguration|peers|quorum|[Vv]ote|Sending from|signal|shutting down|unreachable|promot|out of range|fsync|leader/g;
// chronik's catalogue (docs/logging.md): every phrase diagnose reads contains one of these.
const PREFILTER_CHRONIK = /became |election|vote|leader changed|stepped down|membership|dropped|peer |fsync|node starting|not a voter|peers differ|stopping|no-leader|voters/g;
interface FieldKey {
  text: string;
  json: string;
}
// Built once: this runs on every chronik membership line.
const fieldKey = (key: string): FieldKey => ({ text: ` ${key}=`, json: `"${key}":` });
const NODE_KEY = fieldKey('node');
const VOTERS_KEY = fieldKey('voters');

/** The raw value after ` key=` (text) or `"key":` (JSON): a bracketed list, or up to a space, comma or brace. */
function fieldText(line: string, key: FieldKey): string | undefined {
  let at = line.indexOf(key.text);
  if (at >= 0) at += key.text.length;
  else {
    at = line.indexOf(key.json);
    if (at < 0) return undefined;
    at += key.json.length;
  }
  if (line.charCodeAt(at) === 91 /* [ */) {
    const close = line.indexOf(']', at);
    return close < 0 ? undefined : line.slice(at, close + 1);
  }
  let end = at;
  for (let c = line.charCodeAt(end); end < line.length && c !== 32 && c !== 44 && c !== 125; c = line.charCodeAt(++end));
  return line.slice(at, end);
}

/**
 * Second looks for lines a narrow (raft-anchored) filter let through: what the dialect's interpreters
 * actually react to. Plain tests over one line, far cheaper than shaping it.
 */
const RELEVANT_ETCD = new RegExp(PREFILTER_ANY.source);
const RELEVANT_HASHICORP = /leader elected|expected number of peers|entering |[Ee]lection|known peers|onfiguration|quorum|failed to|[Vv]ote|cluster leader|[Ss]ignal|shutting down|pipelining|Caught/;
const RELEVANT_RAFT_RS = /became |higher term|[Ee]lection|dropp|onfiguration|newRaft|peers|quorum|[Vv]ote|Sending from|unreachable|promot|out of range|signal|shutting down/;

function relevantFor(dialect: Dialect): RegExp | undefined {
  if (dialect === 'etcd-zap' || dialect === 'etcd-capnslog') return RELEVANT_ETCD;
  if (dialect.startsWith('hashicorp')) return RELEVANT_HASHICORP;
  if (dialect === 'tikv') return RELEVANT_RAFT_RS;
  return undefined;
}

function prefilterFor(dialect: Dialect): RegExp {
  if (dialect === 'etcd-zap' || dialect === 'etcd-capnslog') return PREFILTER_ETCD;
  if (dialect.startsWith('hashicorp')) return PREFILTER_HASHICORP;
  if (dialect === 'tikv') return PREFILTER_TIKV;
  if (dialect === 'raft-rs' || dialect === 'rust-tracing') return PREFILTER_RAFT_RS;
  if (dialect === 'chronik-text' || dialect === 'chronik-json') return PREFILTER_CHRONIK;
  return PREFILTER_ANY;
}

const SAMPLE_LINES = 40;
/** Longer lines are counted but not read: no log line that matters is this long, and memory stays flat. */
const MAX_LINE_BYTES = 1 << 20;
const PENDING_CAP = 20_000;
const EVIDENCE_TEXT_MAX = 400;

interface Stream {
  identity?: string;
  group?: string;
  fallback: string;
  pending: RaftEvent[];
  /** Set once held events were flushed without a group (cap reached or end of file). */
  forced?: boolean;
  lastTime?: number;
  nodesSeen: Set<string>;
  dialectState: DialectState;
  context: StreamContext;
}

/** What a scanner feeds: the Analyzer itself, or a worker's recorder of the same calls (parallel.ts). */
export type EventSink = Pick<Analyzer, 'handle' | 'endOfStream'>;

interface StreamHooks {
  emit(event: RaftEvent): void;
  identify(node: string): void;
  setGroup(group: string): void;
  group(): string | undefined;
}

/** The LineContext of one stream, reused line after line so the hot path allocates only events. */
class StreamContext implements LineContext {
  shape: LineShape = { message: '' };
  raw = '';
  private lineNo = 0;
  private evidence: Evidence | undefined;

  constructor(
    private readonly file: string,
    private readonly hooks: StreamHooks,
  ) {}

  begin(shape: LineShape, raw: string, lineNo: number): void {
    this.shape = shape;
    this.raw = raw;
    this.lineNo = lineNo;
    this.evidence = undefined;
  }

  emit(kind: EventKind, props?: EventProps): void {
    this.evidence ??= { file: this.file, line: this.lineNo, text: this.raw.length > EVIDENCE_TEXT_MAX ? `${this.raw.slice(0, EVIDENCE_TEXT_MAX)}...` : this.raw.trimEnd() };
    const event: RaftEvent = props === undefined ? { kind, group: '', evidence: this.evidence } : Object.assign({ kind, group: '', evidence: this.evidence }, props);
    event.kind = kind;
    event.evidence = this.evidence;
    if (props?.group === undefined) event.group = this.hooks.group() ?? 'default';
    if (event.time === undefined && this.shape.time !== undefined) event.time = this.shape.time;
    this.hooks.emit(event);
  }

  identify(node: string): void {
    this.hooks.identify(node);
  }

  setGroup(group: string): void {
    this.hooks.setGroup(group);
  }
}

/** Derives a node name from a log file name: etcd-1.log.2.gz -> etcd-1. */
export function nodeNameFromPath(path: string): string {
  let name = basename(path);
  for (let previous = ''; previous !== name; ) {
    previous = name;
    name = name
      .replace(/\.(gz|log|txt|json|out|err|stderr|stdout)$/i, '')
      .replace(/\.\d{1,3}$/, '')
      .replace(/[.-]\d{4}-?\d\d-?\d\d(?:[T_-]?\d+)?$/, '');
  }
  return name === '' || name === '-' ? 'stdin' : name;
}

export class SourceScanner {
  private readonly streams = new Map<string, Stream>();
  private dialect: Dialect = 'unknown';
  private lineNo = 0;
  private sample: string[] | undefined = [];
  private lastTime?: number;
  private relevant: RegExp | undefined;
  private chronik = false;
  /** node + voters of the last `membership applied` line per node: the same configuration again changes nothing. */
  private readonly chronikMembership = new Map<string, string>();

  constructor(
    private readonly displayPath: string,
    private readonly analyzer: EventSink,
  ) {}

  async scan(input: Readable): Promise<FileReport> {
    let carry: Buffer | undefined;
    let skippingLongLine = false;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let body = chunk;
      if (skippingLongLine) {
        // The rest of an over-long line (a binary file, a runaway dump): dropped, not buffered.
        const end = chunk.indexOf(10);
        if (end < 0) continue;
        skippingLongLine = false;
        this.lineNo++;
        body = chunk.subarray(end + 1);
      } else if (carry) {
        // Only the line split across chunks is copied, not the whole chunk.
        const firstEnd = chunk.indexOf(10);
        if (firstEnd < 0) {
          carry = Buffer.concat([carry, chunk]);
          if (carry.length > MAX_LINE_BYTES) {
            carry = undefined;
            skippingLongLine = true;
          }
          continue;
        }
        this.scanChunk(Buffer.concat([carry, chunk.subarray(0, firstEnd + 1)]));
        carry = undefined;
        body = chunk.subarray(firstEnd + 1);
      }
      const cut = body.lastIndexOf(10);
      if (cut < 0) {
        carry = body.length > 0 ? Buffer.from(body) : undefined;
        continue;
      }
      if (cut + 1 < body.length) carry = Buffer.from(body.subarray(cut + 1));
      this.scanChunk(body.subarray(0, cut + 1));
    }
    if (skippingLongLine) this.lineNo++;
    if (carry && carry.length > 0) this.scanChunk(Buffer.concat([carry, Buffer.from('\n')]));
    if (this.sample) this.decideDialect();
    return this.finish();
  }

  private decideDialect(): void {
    this.dialect = detectDialect(this.sample ?? []);
    this.sample = undefined;
  }

  /**
   * Scans one chunk of whole lines. latin1 decoding is a plain copy and keeps string offsets equal to
   * byte offsets, so only the lines the prefilter picks are decoded again, properly, as UTF-8.
   */
  private scanChunk(buffer: Buffer): void {
    const text = buffer.toString('latin1');
    // Pure-ASCII chunks (nearly all logs) read the same in latin1 and UTF-8: no second decoding per line.
    const ascii = isAscii(buffer);
    let from = 0;
    if (this.sample) {
      // The first lines decide the dialect before any of them is interpreted.
      let at = 0;
      while (this.sample.length < SAMPLE_LINES && at < text.length) {
        const end = text.indexOf('\n', at);
        this.sample.push(buffer.toString('utf8', at, end));
        at = end + 1;
      }
      if (this.sample.length >= SAMPLE_LINES || at >= text.length) this.decideDialect();
    }
    const prefilter = prefilterFor(this.dialect);
    this.relevant = relevantFor(this.dialect);
    this.chronik = this.dialect === 'chronik-text' || this.dialect === 'chronik-json';
    prefilter.lastIndex = 0;
    // test() rather than exec(): no match array per hit; lastIndex - 1 is inside the matched line.
    while (prefilter.test(text)) {
      const inside = prefilter.lastIndex - 1;
      const start = text.lastIndexOf('\n', inside) + 1;
      const end = text.indexOf('\n', inside);
      this.lineNo += countNewlines(text, from, start);
      from = start;
      const line = text.slice(start, end);
      // A fresh string per kept line: a slice would pin the whole chunk in memory for as long as the line
      // is kept as evidence.
      if (this.wanted(line)) this.handleLine(buffer.toString(ascii ? 'latin1' : 'utf8', start, end), this.lineNo + 1);
      prefilter.lastIndex = end + 1;
    }
    this.lineNo += countNewlines(text, from, text.length);
    // The last line of each chunk tells how far in time the log goes, matched or not.
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    const last = shapeLine(buffer.toString('utf8', lastStart, text.length - 1));
    if (last.time !== undefined) this.touch(this.stream(last.source), last.time);
  }

  private stream(source: string | undefined): Stream {
    const key = source ?? '';
    let stream = this.streams.get(key);
    if (!stream) {
      const created: Stream = {
        fallback: source ?? nodeNameFromPath(this.displayPath),
        pending: [],
        nodesSeen: new Set(),
        dialectState: { hashicorp: {}, lastVoters: new Map() },
        context: new StreamContext(this.displayPath, {
          emit: (event) => this.route(created, event),
          identify: (node) => this.identify(created, node),
          setGroup: (group) => this.setGroup(created, group),
          group: () => created.group,
        }),
      };
      stream = created;
      this.streams.set(key, stream);
    }
    return stream;
  }

  private touch(stream: Stream, time: number): void {
    if (stream.lastTime === undefined || time > stream.lastTime) stream.lastTime = time;
    if (this.lastTime === undefined || time > this.lastTime) this.lastTime = time;
  }

  /**
   * Second look at a prefiltered line, before any decoding or shaping: lines the narrow dialect filters let
   * through (any line mentioning raft) must still name something an interpreter knows, and a chronik
   * configuration logged again unchanged says nothing new.
   */
  private wanted(line: string): boolean {
    if (this.relevant !== undefined && !this.relevant.test(line)) return false;
    return !(this.chronik && this.repeatedMembership(line));
  }

  private handleLine(raw: string, lineNo: number): void {
    const shape: LineShape = shapeLine(raw);
    const stream = this.stream(shape.source);
    if (shape.time !== undefined) this.touch(stream, shape.time);
    stream.context.begin(shape, raw, lineNo);
    interpretLine(this.dialect, stream.context, stream.dialectState);
  }

  private repeatedMembership(line: string): boolean {
    const phrase = line.indexOf('membership applied');
    if (phrase < 0) return false;
    const node = fieldText(line, NODE_KEY);
    const voters = fieldText(line, VOTERS_KEY);
    if (node === undefined || voters === undefined) return false;
    const previous = this.chronikMembership.get(node);
    this.chronikMembership.set(node, voters);
    return previous === voters;
  }

  /** Routes one event of a stream: on to the analyzer, or held until the stream's node is known. */
  private route(stream: Stream, event: RaftEvent): void {
    // A one-node file names its node on the Raft lines (raft_id): node-less lines belong to it too.
    if (event.node !== undefined && stream.identity === undefined && this.adoptsLineIdentity()) this.identify(stream, event.node);
    if (this.ready(stream)) {
      event.node ??= stream.identity;
      this.dispatch(stream, event);
    } else if (event.node === undefined || this.waitsForGroup()) {
      stream.pending.push(event);
      if (stream.pending.length > PENDING_CAP) this.flush(stream, stream.identity ?? this.guessIdentity(stream));
    } else this.dispatch(stream, event);
  }

  private identify(stream: Stream, node: string): void {
    if (stream.identity !== undefined) return;
    stream.identity = node;
    if (this.ready(stream)) this.flush(stream, node);
  }

  private setGroup(stream: Stream, group: string): void {
    if (stream.group !== undefined) return;
    stream.group = group;
    if (this.ready(stream)) this.flush(stream, stream.identity!);
  }

  /** etcd names its cluster early; events wait for it so one member is not split across two groups. */
  private waitsForGroup(): boolean {
    return this.dialect === 'etcd-zap' || this.dialect === 'etcd-capnslog';
  }

  private adoptsLineIdentity(): boolean {
    return this.dialect !== 'tikv' && !this.waitsForGroup();
  }

  private ready(stream: Stream): boolean {
    if (stream.identity === undefined) return false;
    return stream.group !== undefined || !this.waitsForGroup() || stream.forced === true;
  }

  /**
   * A stream that never named itself (a log cut after start-up): if its Raft lines all name one node,
   * that is the node; otherwise the file (or docker/syslog source) name.
   */
  private guessIdentity(stream: Stream): string {
    const named = new Set(stream.pending.map((e) => e.node).filter((n): n is string => n !== undefined));
    return named.size === 1 ? [...named][0]! : stream.fallback;
  }

  /** Sends the events held back until the stream's node (and group) were known. */
  private flush(stream: Stream, identity: string): void {
    stream.identity ??= identity;
    stream.forced = true;
    const pending = stream.pending;
    stream.pending = [];
    for (const event of pending) {
      event.node ??= stream.identity;
      if (event.group === 'default' && stream.group !== undefined) event.group = stream.group;
      this.dispatch(stream, event);
    }
  }

  private dispatch(stream: Stream, event: RaftEvent): void {
    stream.nodesSeen.add(`${event.group}\u0000${event.node}`);
    this.analyzer.handle(event);
  }

  private finish(): FileReport {
    const identities = new Set<string>();
    for (const stream of this.streams.values()) {
      this.flush(stream, stream.identity ?? this.guessIdentity(stream));
      for (const key of stream.nodesSeen) {
        const [group, node] = key.split('\u0000') as [string, string];
        this.analyzer.endOfStream(node, group, stream.lastTime);
        identities.add(node);
      }
    }
    const node = identities.size === 1 ? [...identities][0]! : identities.size === 0 ? nodeNameFromPath(this.displayPath) : null;
    return { path: this.displayPath, dialect: this.dialect, node, lines: this.lineNo };
  }
}

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  let at = text.indexOf('\n', from);
  while (at >= 0 && at < to) {
    count++;
    at = text.indexOf('\n', at + 1);
  }
  return count;
}

