// Streams one log source through one reused buffer: the keyword prefilter finds the lines some
// interpreter may react to in the raw bytes, and only those are decoded, shaped and interpreted.
import type { Readable } from 'node:stream';
import { isAscii } from 'node:buffer';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import type { Analyzer } from './analyzer.js';
import { detectDialect, dialectFamily, dialectKeywords, interpretLine, type DialectFamily, type DialectKeywords, type DialectState } from './dialect.js';
import { KeywordFilter, type FoundLines } from './keywords.js';
import { MembershipVeto } from './membership-veto.js';
import { acquireLineFinder, INPUT_CAPACITY, releaseLineFinder, type LineFinder } from './linefind.js';
import type { EventProps, LineContext } from './interpret/context.js';
import { shapeLine, type LineShape } from './lineshape.js';
import { UNRECOGNISED_EXAMPLES, type Dialect, type EventKind, type Evidence, type FileReport, type RaftEvent, type Unrecognised } from './model.js';

/** The keyword filters of each dialect's keyword lists, by which optional lists they include. */
const filtersOf = new WeakMap<DialectKeywords, KeywordFilter[]>();

const SAMPLE_LINES = 40;
/** Bytes read at a time; more, up to MAX_LINE_BYTES, for a long line. */
const CHUNK_BYTES = 1 << 18;
/**
 * Longer lines are counted but not read: no log line that matters is this long, and memory stays flat
 * (the line finder's input area holds this and the newline a last line may be given).
 */
const MAX_LINE_BYTES = INPUT_CAPACITY - 1;
/**
 * Timed lines at the end of the file whose times are read, whether the prefilter keeps them or not
 * (lines of different precision can step back a little in time); each chunk's last timed line is read too.
 */
const TAIL_LINES = 16;
const TAIL_SEARCH_LINES = 1000;
/** The end of each chunk is kept this long, for the file's last lines when its last chunk is gone. */
const TAIL_BYTES = 1 << 16;
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
  /** The stream's group if a line named it, else its dialect family's. */
  group(): string;
}

/** The LineContext of one stream, reused line after line so the hot path allocates only events. */
class StreamContext implements LineContext {
  shape: LineShape = { message: '' };
  raw = '';
  private lineNo = 0;
  private evidence: Evidence | undefined;
  private hit = false;
  /** An event or recognise(): the line's meaning is known (an identity alone is not that). */
  private said = false;

  constructor(
    private readonly file: string,
    private readonly hooks: StreamHooks,
  ) {}

  begin(shape: LineShape, raw: string, lineNo: number): void {
    this.shape = shape;
    this.raw = raw;
    this.lineNo = lineNo;
    this.evidence = undefined;
    this.hit = false;
    this.said = false;
  }

  recognise(): void {
    this.hit = true;
    this.said = true;
  }

  matched(): boolean {
    return this.hit;
  }

  interpreted(): boolean {
    return this.said;
  }

  /** The line as evidence (made once per line, shared by its events). */
  lineEvidence(): Evidence {
    return (this.evidence ??= { file: this.file, line: this.lineNo, text: this.raw.length > EVIDENCE_TEXT_MAX ? `${this.raw.slice(0, EVIDENCE_TEXT_MAX)}...` : this.raw.trimEnd() });
  }

  emit(kind: EventKind, props?: EventProps): void {
    this.hit = true;
    this.said = true;
    const evidence = this.lineEvidence();
    const event: RaftEvent = props === undefined ? { kind, group: '', evidence } : Object.assign({ kind, group: '', evidence }, props);
    event.kind = kind;
    event.evidence = evidence;
    if (props?.group === undefined) event.group = this.hooks.group();
    if (event.time === undefined && this.shape.time !== undefined) event.time = this.shape.time;
    this.hooks.emit(event);
  }

  identify(node: string): void {
    this.hit = true;
    this.hooks.identify(node);
  }

  setGroup(group: string): void {
    this.hit = true;
    this.hooks.setGroup(group);
  }
}

/**
 * Derives a node name from a log file's path: etcd-1.log.2.gz -> etcd-1. Container runtimes name the
 * file after the container: /var/log/pods/<namespace>_<pod>_<uid>/<container>/0.log and
 * /var/log/containers/<pod>_<namespace>_<container>-<id>.log name the pod; docker's
 * <id>/<id>-json.log names a container id (its first 12 digits, as `docker ps` shows it). A file named
 * after a node's address keeps it: 10.0.0.5.log.1 -> 10.0.0.5.
 */
const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

export function nodeNameFromPath(path: string): string {
  let name = basename(path);
  for (let previous = ''; previous !== name; ) {
    previous = name;
    name = name
      .replace(/\.(gz|log|txt|json|out|err|stderr|stdout)$/i, '')
      // A rotation number (`.2`), unless the name is an IPv4 address, whose last octet looks the same.
      .replace(/\.\d{1,3}$/, (suffix, at: number, whole: string) => (IPV4.test(whole) ? suffix : ''))
      .replace(/[.-]\d{4}-?\d\d-?\d\d(?:[T_-]?\d+)?$/, '');
  }
  const dirs = path.split(/[\\/]/).slice(0, -1);
  const pod = /^[^_]+_(.+)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.exec(dirs.at(-2) ?? '');
  if (/^\d+$/.test(name) && pod) return pod[1]!;
  const container = /^(.+)_[^_]+_[^_]+-[0-9a-f]{64}$/.exec(name);
  if (container) return container[1]!;
  const docker = /^([0-9a-f]{64})-json$/.exec(name);
  if (docker) return docker[1]!.slice(0, 12);
  return name === '' || name === '-' ? 'stdin' : name;
}

export interface ScanOptions {
  /** false: every line goes to the interpreters (the reference the prefilter is tested against). */
  prefilter?: boolean;
}

export class SourceScanner {
  private readonly streams = new Map<string, Stream>();
  private dialect: Dialect = 'unknown';
  /**
   * The dialect's family, also the group of events whose lines name none (so logs of different
   * products read together are never taken for one cluster).
   */
  private family: DialectFamily = 'default';
  private lineNo = 0;
  private sample: string[] | undefined = [];
  private lastTime?: number;
  /** The time of the file's last stamp that had a year: syslog and klog stamps without one take its year. */
  private lastFullTime?: number;
  /** How far the product's own stamps are from the host's syslog stamps around them (year and zone). */
  private stampOffset?: number;
  private readonly prefilter: boolean;
  private keywords: DialectKeywords | undefined;
  /** chronik's `membership applied` lines naming the voters their node last named change nothing: skipped unread. */
  private readonly membershipVeto = new MembershipVeto();
  /** The line finder the file is read into: its input area is the read buffer (MAX_LINE_BYTES and one more, for a last newline). */
  private readonly finder: LineFinder = acquireLineFinder();
  private readonly buffer: Buffer = this.finder.input;
  private capacity = CHUNK_BYTES;
  private filled = 0;
  private skippingLongLine = false;
  /** The last whole lines of the last chunk scanned. */
  private readonly tail = Buffer.allocUnsafe(TAIL_BYTES);
  private tailLength = 0;
  /** Lines that looked like Raft but no template matched. */
  readonly unrecognised: Unrecognised = { count: 0, examples: [] };

  constructor(
    private readonly displayPath: string,
    private readonly analyzer: EventSink,
    options: ScanOptions = {},
  ) {
    this.prefilter = options.prefilter ?? true;
  }

  /** Reads a plain file with blocking reads straight into the buffer: no chunk allocated per read. */
  scanFile(path: string): FileReport {
    const fd = openSync(path, 'r');
    try {
      for (;;) {
        const n = readSync(fd, this.buffer, this.filled, this.capacity - this.filled, null);
        if (n === 0) break;
        this.take(n);
      }
    } finally {
      closeSync(fd);
    }
    return this.end();
  }

  /** Reads a stream (stdin, gunzip): its chunks are copied into the buffer. */
  async scan(input: Readable): Promise<FileReport> {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      for (let at = 0; at < chunk.length; ) {
        const n = Math.min(chunk.length - at, this.capacity - this.filled);
        chunk.copy(this.buffer, this.filled, at, at + n);
        at += n;
        this.take(n);
      }
    }
    return this.end();
  }

  /** Takes n bytes just put after the filled part: scans the whole lines, keeps the partial last one. */
  private take(n: number): void {
    const from = this.filled;
    this.filled += n;
    if (this.skippingLongLine) {
      // The rest of an over-long line (a binary file, a runaway dump): dropped, not buffered.
      const newline = this.buffer.subarray(from, this.filled).indexOf(10);
      if (newline < 0) {
        this.filled = 0;
        return;
      }
      this.skippingLongLine = false;
      this.lineNo++;
      this.shift(from + newline + 1);
    }
    const cut = this.filled === 0 ? -1 : this.buffer.lastIndexOf(10, this.filled - 1);
    if (cut < 0) {
      if (this.filled < this.capacity) return;
      if (this.capacity < MAX_LINE_BYTES) {
        // A long line: more of the buffer for this file, up to MAX_LINE_BYTES.
        this.capacity = Math.min(this.capacity * 2, MAX_LINE_BYTES);
      } else {
        this.filled = 0;
        this.skippingLongLine = true;
      }
      return;
    }
    this.scanLines(this.buffer.subarray(0, cut + 1));
    this.shift(cut + 1);
  }

  /** Drops the first `count` filled bytes, moving the rest (part of one line) to the front. */
  private shift(count: number): void {
    if (count < this.filled) this.buffer.copy(this.buffer, 0, count, this.filled);
    this.filled -= count;
  }

  private end(): FileReport {
    let last = this.tail.subarray(0, this.tailLength);
    if (this.skippingLongLine) this.lineNo++;
    else if (this.filled > 0) {
      this.buffer[this.filled] = 10;
      const rest = this.buffer.subarray(0, this.filled + 1);
      last = Buffer.concat([last, rest]);
      this.scanLines(rest);
    }
    this.touchTail(last, TAIL_LINES);
    this.filled = 0;
    if (this.sample) this.decideDialect();
    releaseLineFinder(this.finder);
    return this.finish();
  }

  private decideDialect(): void {
    this.dialect = detectDialect(this.sample ?? []);
    this.family = dialectFamily(this.dialect);
    this.sample = undefined;
    this.keywords = dialectKeywords(this.dialect);
  }

  /**
   * The dialect's keywords, with the lines naming a node or group while some stream lacks its own
   * (one filter per combination, so each keeps the anchors it picked).
   */
  private filter(): KeywordFilter {
    const keywords = this.keywords!;
    const identity = keywords.identity.length > 0 && this.lacks((stream) => stream.identity);
    const group = keywords.group.length > 0 && this.waitsForGroup() && this.lacks((stream) => stream.group);
    let filters = filtersOf.get(keywords);
    if (!filters) filtersOf.set(keywords, (filters = []));
    const index = (identity ? 1 : 0) + (group ? 2 : 0);
    return (filters[index] ??= new KeywordFilter([...keywords.lines, ...(identity ? keywords.identity : []), ...(group ? keywords.group : [])]));
  }

  /**
   * Scans whole lines (the view ends with a newline). Only the lines the prefilter picks are decoded;
   * pure-ASCII chunks (nearly all logs) decode as latin1, a plain copy.
   */
  private scanLines(view: Buffer): void {
    if (this.sample) {
      // The first lines decide the dialect before any of them is interpreted.
      let at = 0;
      while (this.sample.length < SAMPLE_LINES && at < view.length) {
        const end = view.indexOf(10, at);
        this.sample.push(view.toString('utf8', at, end));
        at = end + 1;
      }
      if (this.sample.length >= SAMPLE_LINES || at >= view.length) this.decideDialect();
    }
    const found = this.linesToRead(view);
    // latin1 reads pure ASCII right (nearly all logs); lines of other chunks are decoded again as UTF-8.
    const ascii = found.lines.length === 0 || isAscii(view);
    for (const { start, end, text, line } of found.lines) this.handleLine(ascii ? text : view.toString('utf8', start, end), this.lineNo + line + 1);
    this.lineNo += found.count;
    this.touchTail(view, 1);
    this.keepTail(view);
  }

  private keepTail(view: Buffer): void {
    let from = Math.max(0, view.length - TAIL_BYTES);
    if (from > 0) from = view.indexOf(10, from - 1) + 1;
    this.tailLength = view.copy(this.tail, 0, from);
  }

  private linesToRead(view: Buffer): FoundLines {
    if (!this.prefilter) return allLines(view);
    return this.filter().find(view, this.family === 'chronik' ? this.membershipVeto.veto : undefined, this.finder);
  }

  /** Whether some stream (or the first, not yet seen) does not know the given name yet. */
  private lacks(name: (stream: Stream) => string | undefined): boolean {
    if (this.streams.size === 0) return true;
    for (const stream of this.streams.values()) if (name(stream) === undefined) return true;
    return false;
  }

  /** The last `lines` timed lines of the view tell how far in time the log goes, read or not. */
  private touchTail(view: Buffer, lines: number): void {
    let end = view.length - 1;
    let timed = 0;
    // Lines without a time (a stack trace at the end of the log) do not count.
    for (let k = 0; timed < lines && k < TAIL_SEARCH_LINES && end > 0; k++) {
      const start = view.lastIndexOf(10, end - 1) + 1;
      const shape = this.dated(shapeLine(view.toString('utf8', start, end)));
      if (shape.time !== undefined) {
        this.touch(this.stream(shape.source), shape.time);
        timed++;
      }
      end = start - 1;
    }
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
          group: () => created.group ?? this.family,
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
   * A stamp without a year (syslog's `Dec 14 10:42:33`, klog) was read as this year. Where the file's
   * other lines show both the host's syslog stamp and the product's own full stamp (journald around
   * capnslog or zap), a line with the syslog stamp alone (another program of the host) is moved by the
   * same difference (year and zone); else it takes the year of the file's last full stamp. So one stray
   * line does not stretch a node's log over years or hours.
   */
  private dated(shape: LineShape): LineShape {
    if (shape.time === undefined) return shape;
    if (shape.stampedAt !== undefined) this.stampOffset = shape.time - shape.stampedAt;
    if (shape.yearless === undefined) {
      // Only kept: the year is worked out when a line without one needs it, not on every line.
      this.lastFullTime = shape.time;
      return shape;
    }
    if (shape.yearless === 'stamp' && this.stampOffset !== undefined) {
      shape.time += this.stampOffset;
    } else if (this.lastFullTime !== undefined) {
      const at = new Date(shape.time);
      at.setUTCFullYear(new Date(this.lastFullTime).getUTCFullYear());
      shape.time = at.getTime();
    }
    return shape;
  }

  private handleLine(raw: string, lineNo: number): void {
    const shape: LineShape = this.dated(shapeLine(raw));
    const stream = this.stream(shape.source);
    if (shape.time !== undefined) this.touch(stream, shape.time);
    stream.context.begin(shape, raw, lineNo);
    if (interpretLine(this.dialect, stream.context, stream.dialectState)) {
      this.unrecognised.count++;
      if (this.unrecognised.examples.length < UNRECOGNISED_EXAMPLES) this.unrecognised.examples.push(stream.context.lineEvidence());
    }
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
    return this.family === 'etcd';
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
      if (event.group === this.family && stream.group !== undefined) event.group = stream.group;
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

function allLines(view: Buffer): FoundLines {
  const lines: FoundLines['lines'] = [];
  for (let start = 0; start < view.length; ) {
    const end = view.indexOf(10, start);
    lines.push({ start, end, line: lines.length, text: view.toString('latin1', start, end) });
    start = end + 1;
  }
  return { lines, count: lines.length };
}

