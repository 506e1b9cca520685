// Streams one log source: splits chunks into lines without copying each one, lets a cheap keyword
// prefilter skip the lines no interpreter cares about, and hands the rest (shaped) to the dialect.
import type { Readable } from 'node:stream';
import { basename } from 'node:path';
import type { Analyzer } from './analyzer.js';
import { detectDialect, interpretLine, type DialectState } from './dialect.js';
import type { EventProps, LineContext } from './interpret/context.js';
import { shapeLine, type LineShape } from './lineshape.js';
import type { Dialect, EventKind, FileReport, RaftEvent } from './model.js';

// Every phrase an interpreter reacts to contains one of these. Keep it short: it runs over every byte.
const PREFILTER =
  /became|[Ee]lection|[Ll]eader|[Vv]ote|configuration|peers|newRaft|dropp|quorum|reachable|recovered|connect|failed to|unhealthy|fsync|sync duration|heartbeat|tick missed|promot|mismatch|out of range|removed|starting|signal|shutting down|stopping|Sending from|not part of|membership|etcd Version|election|took too long|Node at|inactive|entering|stepped down|stepping down|voter|cluster ID|local-member-id|region_id|raft_id/g;

const SAMPLE_LINES = 40;
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

  constructor(
    private readonly displayPath: string,
    private readonly analyzer: Analyzer,
  ) {}

  async scan(input: Readable): Promise<FileReport> {
    let carry: Buffer | undefined;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let buffer = carry ? Buffer.concat([carry, chunk]) : chunk;
      const cut = buffer.lastIndexOf(10);
      if (cut < 0) {
        carry = buffer;
        continue;
      }
      carry = cut + 1 < buffer.length ? buffer.subarray(cut + 1) : undefined;
      buffer = buffer.subarray(0, cut + 1);
      this.scanText(buffer.toString('utf8'));
    }
    if (carry && carry.length > 0) this.scanText(`${carry.toString('utf8')}\n`);
    if (this.sample) this.decideDialect();
    return this.finish();
  }

  private decideDialect(): void {
    this.dialect = detectDialect(this.sample ?? []);
    this.sample = undefined;
  }

  private scanText(text: string): void {
    let from = 0;
    if (this.sample) {
      // The first lines decide the dialect before any of them is interpreted.
      let at = 0;
      while (this.sample.length < SAMPLE_LINES && at < text.length) {
        const end = text.indexOf('\n', at);
        this.sample.push(text.slice(at, end));
        at = end + 1;
      }
      if (this.sample.length >= SAMPLE_LINES || at >= text.length) this.decideDialect();
    }
    PREFILTER.lastIndex = 0;
    let match: RegExpExecArray | null;
    while ((match = PREFILTER.exec(text)) !== null) {
      const start = text.lastIndexOf('\n', match.index) + 1;
      const end = text.indexOf('\n', match.index);
      this.lineNo += countNewlines(text, from, start);
      from = start;
      this.handleLine(text.slice(start, end), this.lineNo + 1);
      PREFILTER.lastIndex = end + 1;
    }
    this.lineNo += countNewlines(text, from, text.length);
    // The last line of each chunk tells how far in time the log goes, matched or not.
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1;
    const last = shapeLine(text.slice(lastStart, text.length - 1));
    if (last.time !== undefined) this.touch(this.stream(last.source), last.time);
  }

  private stream(source: string | undefined): Stream {
    const key = source ?? '';
    let stream = this.streams.get(key);
    if (!stream) {
      stream = { fallback: source ?? nodeNameFromPath(this.displayPath), pending: [], nodesSeen: new Set(), dialectState: { hashicorp: {} } };
      this.streams.set(key, stream);
    }
    return stream;
  }

  private touch(stream: Stream, time: number): void {
    if (stream.lastTime === undefined || time > stream.lastTime) stream.lastTime = time;
    if (this.lastTime === undefined || time > this.lastTime) this.lastTime = time;
  }

  private handleLine(raw: string, lineNo: number): void {
    const shape: LineShape = shapeLine(raw);
    const stream = this.stream(shape.source);
    if (shape.time !== undefined) this.touch(stream, shape.time);
    const evidence = { file: this.displayPath, line: lineNo, text: raw.length > EVIDENCE_TEXT_MAX ? `${raw.slice(0, EVIDENCE_TEXT_MAX)}...` : raw.trimEnd() };
    const ctx: LineContext = {
      shape,
      emit: (kind: EventKind, props: EventProps = {}) => {
        const event: RaftEvent = { ...props, kind, group: props.group ?? stream.group ?? 'default', evidence };
        if (shape.time !== undefined && event.time === undefined) event.time = shape.time;
        // A one-node file names its node on the Raft lines (raft_id): node-less lines belong to it too.
        if (event.node !== undefined && stream.identity === undefined && this.adoptsLineIdentity()) ctx.identify(event.node);
        if (this.ready(stream)) {
          event.node ??= stream.identity;
          this.dispatch(stream, event);
        } else if (event.node === undefined || this.waitsForGroup()) {
          stream.pending.push(event);
          if (stream.pending.length > PENDING_CAP) this.flush(stream, stream.identity ?? stream.fallback);
        } else this.dispatch(stream, event);
      },
      identify: (node: string) => {
        if (stream.identity !== undefined) return;
        stream.identity = node;
        if (this.ready(stream)) this.flush(stream, node);
      },
      setGroup: (group: string) => {
        if (stream.group !== undefined) return;
        stream.group = group;
        if (this.ready(stream)) this.flush(stream, stream.identity!);
      },
    };
    interpretLine(this.dialect, ctx, stream.dialectState);
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
      this.flush(stream, stream.identity ?? stream.fallback);
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

