// The keyword prefilter: finds, in a raw chunk of log bytes, the lines holding one of a dialect's
// keywords (declared next to the patterns of each interpreter), so only those lines are decoded.
// The search itself is the line finder's (linefind.ts): one SIMD pass that also counts the lines.
import { ANCHOR, INPUT_CAPACITY, LineFinder, MAX_BUCKETS, MIN_KEYWORD, buildTables, recordKeyword, recordKeywordAt, type KernelWord, type Tables } from './linefind.js';

/**
 * A literal every line an interpreter reacts to contains; a list means all of its words must be in
 * the line (the first is searched for, the others checked on the line it finds).
 */
export type Keyword = string | readonly [string, ...string[]];

/** A line of a chunk: its offsets (end at its newline), its index among the chunk's lines, its latin1 text. */
export interface FoundLine {
  start: number;
  end: number;
  line: number;
  text: string;
}

/** The lines of a chunk holding a keyword, and how many lines the chunk has. */
export interface FoundLines {
  lines: FoundLine[];
  count: number;
}

/**
 * Says, in line order, whether the line at bytes [start, end) of the view, holding `keyword` at
 * `at`, still says nothing new (a configuration logged again unchanged): it is then skipped before it
 * is decoded.
 */
export type LineVeto = (view: Buffer, start: number, end: number, keyword: string, at: number) => boolean;

/** Bytes of the sample the anchors are chosen on. */
const SAMPLE_BYTES = 1 << 11;

interface Compiled {
  words: readonly string[];
  /** For each word, the keyword's other words that must be in the same line. */
  also: readonly (readonly string[])[];
  /** The line finder's tables, anchors chosen on the first chunk this thread searched with these keywords. */
  tables?: Tables;
}

const compiledCache = new WeakMap<readonly Keyword[], Compiled>();

function compile(keywords: readonly Keyword[]): Compiled {
  let compiled = compiledCache.get(keywords);
  if (compiled) return compiled;
  const seen = new Map<string, number>();
  const words: string[] = [];
  const also: string[][] = [];
  // A keyword holding a whole single-word keyword finds no line that one does not: it is dropped, as
  // every keyword costs the line finder (families share Raft-looking words like ' term' with templates).
  const single = keywords.filter((k): k is string => typeof k === 'string');
  for (const keyword of keywords) {
    const [first, ...rest] = typeof keyword === 'string' ? [keyword] : keyword;
    if (first.length < MIN_KEYWORD) throw new RangeError(`keyword "${first}" is shorter than ${MIN_KEYWORD} characters`);
    if (single.some((other) => other !== first && first.includes(other))) continue;
    const known = seen.get(first);
    if (known !== undefined && also[known]!.length === 0) continue;
    if (known !== undefined && rest.length === 0) also[known] = [];
    else {
      seen.set(first, words.length);
      words.push(first);
      also.push(rest);
    }
  }
  compiled = { words, also };
  compiledCache.set(keywords, compiled);
  return compiled;
}

/**
 * Picks each word's anchor (the ANCHOR bytes of it the kernel looks for) where the sample says it is
 * rarest, and puts words with like anchors in one bucket: the fewer places an anchor could end, the
 * fewer byte-for-byte comparisons.
 */
function tablesFor(words: readonly string[], sample: Uint8Array): Tables {
  const counts = new Uint32Array(1 << 16);
  let h = 0;
  for (let i = 0; i < sample.length; i++) {
    h = ((h << 8) | sample[i]!) >>> 0;
    if (i >= ANCHOR - 1) counts[quadHash(h)]!++;
  }
  const anchored = words.map((word, index) => {
    const bytes = Buffer.from(word, 'latin1');
    let anchor = 0;
    let fewest = Infinity;
    for (let at = 0; at + ANCHOR <= bytes.length; at++) {
      const seen = counts[quadHash(bytes.readUInt32BE(at))]!;
      if (seen < fewest) [anchor, fewest] = [at, seen];
    }
    return { index, anchor, bytes, key: word.slice(anchor, anchor + ANCHOR) };
  });
  anchored.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  const perBucket = Math.ceil(anchored.length / MAX_BUCKETS);
  const kernelWords: KernelWord[] = anchored.map((w, k) => ({ index: w.index, anchor: w.anchor, bytes: w.bytes, bucket: Math.floor(k / perBucket) }));
  return buildTables(kernelWords);
}

function quadHash(quad: number): number {
  return Math.imul(quad, 0x9e3779b1) >>> 16;
}

let sharedFinder: LineFinder | undefined;

export class KeywordFilter {
  private readonly compiled: Compiled;

  constructor(keywords: readonly Keyword[]) {
    this.compiled = compile(keywords);
  }

  /** Picks the anchors on a sample, once per thread for these keywords (files of one dialect share their vocabulary). */
  tune(sample: Uint8Array): void {
    this.compiled.tables ??= tablesFor(this.compiled.words, sample.subarray(0, SAMPLE_BYTES));
  }

  /** The lines of `view` (whole lines, ending in \n) holding a keyword: in order, each once, latin1-decoded. */
  lines(view: Buffer, skip?: LineVeto): FoundLine[] {
    return this.find(view, skip).lines;
  }

  /**
   * The lines holding a keyword and the number of lines of `view`. A view in `finder`'s input area
   * is searched where it is; any other is copied there, a piece at a time.
   */
  find(view: Buffer, skip?: LineVeto, finder?: LineFinder): FoundLines {
    this.tune(view);
    const using = finder ?? (sharedFinder ??= new LineFinder());
    if (view.length <= INPUT_CAPACITY || view.buffer === using.input.buffer) return this.findIn(view, 0, skip, using);
    const result: FoundLines = { lines: [], count: 0 };
    for (let start = 0; start < view.length; ) {
      const end = view.lastIndexOf(10, start + INPUT_CAPACITY - 1) + 1;
      if (end <= start) throw new RangeError(`a line longer than ${INPUT_CAPACITY - 1} bytes`);
      const piece = this.findIn(view.subarray(start, end), start, skip, using);
      for (const line of piece.lines) result.lines.push({ ...line, line: line.line + result.count });
      result.count += piece.count;
      start = end;
    }
    return result;
  }

  private findIn(view: Buffer, offset: number, skip: LineVeto | undefined, finder: LineFinder): FoundLines {
    const { records, count, lines } = finder.lines(view, this.compiled.tables!);
    const found: FoundLine[] = [];
    const { words, also } = this.compiled;
    for (let r = 0; r < count * 4; r += 4) {
      const start = records[r]!;
      const end = records[r + 1]!;
      const word = recordKeyword(records[r + 3]!);
      if (skip?.(view, start, end, words[word]!, start + recordKeywordAt(records[r + 3]!))) continue;
      const text = view.toString('latin1', start, end);
      // A keyword of several words: the line must hold all of one keyword's words.
      if (also[word]!.length > 0 && !this.holdsKeyword(text)) continue;
      found.push({ start: start + offset, end: end + offset, line: records[r + 2]!, text });
    }
    return { lines: found, count: lines };
  }

  private holdsKeyword(line: string): boolean {
    const { words, also } = this.compiled;
    return words.some((word, w) => line.includes(word) && also[w]!.every((other) => line.includes(other)));
  }
}
