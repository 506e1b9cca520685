// The keyword prefilter: finds, in a raw chunk of log bytes, the lines holding one of a dialect's
// keywords (declared next to the patterns of each interpreter), so only those lines are decoded.

/**
 * A literal every line an interpreter reacts to contains; a list means all of its words must be in
 * the line (the first is searched for, the others checked on the line it finds).
 */
export type Keyword = string | readonly [string, ...string[]];

interface Compiled {
  /** The search strings picked on the first file of this thread that used these keywords. */
  tuned?: Probe[];
  words: readonly string[];
  /** For each word, the keyword's other words that must be in the same line. */
  also: readonly (readonly string[])[];
  /** Every substring of the words worth searching for, with the words holding it. */
  candidates: readonly { text: string; covers: readonly number[] }[];
}

interface Probe {
  needle: Buffer;
  text: string;
  /** The words holding the needle: a line it finds is kept if it holds one of them. */
  covers: readonly number[];
  /** It found many lines in the last chunk: searched in decoded text, where each hit costs less. */
  dense: boolean;
}

/** A line of a chunk: its offsets (end at its newline) and its latin1 text (`sliced`: part of a larger string). */
export interface FoundLine {
  start: number;
  end: number;
  text: string;
  sliced: boolean;
}

/**
 * Says, in line order for each search string, whether a line holding a keyword still says nothing new
 * (a configuration logged again unchanged); such a line is skipped before anything is built for it.
 */
export type LineVeto = (line: string) => boolean;

interface Piece {
  start: number;
  text: string;
}

/** Shortest search string: shorter ones stop on too many unrelated places. */
const MIN_ANCHOR = 3;
const MAX_ANCHOR = 6;
/** Bytes of the sample the search strings are chosen on. */
const SAMPLE_BYTES = 1 << 14;
// Relative costs (ns) behind the choice of search strings, measured with Buffer.indexOf on this kind of
// input: a pass over a byte (memchr), a stop at each occurrence of the first byte, a line found.
const PASS_NS = 0.06;
const FIRST_BYTE_NS = 5;
const LINE_NS = 400;
/** A probe finding more than one line per this many bytes is dense. */
const DENSE_BYTES = 2048;
/** Decoded text is cut into pieces this small (whole lines), which V8 allocates and collects cheaply. */
const PIECE_BYTES = 1 << 16;

const compiledCache = new Map<readonly Keyword[], Compiled>();

function compile(keywords: readonly Keyword[]): Compiled {
  let compiled = compiledCache.get(keywords);
  if (compiled) return compiled;
  const seen = new Map<string, number>();
  const words: string[] = [];
  const also: string[][] = [];
  for (const keyword of keywords) {
    const [first, ...rest] = typeof keyword === 'string' ? [keyword] : keyword;
    const known = seen.get(first);
    if (known !== undefined && also[known]!.length === 0) continue;
    seen.set(first, words.length);
    words.push(first);
    also.push(rest);
  }
  const covers = new Map<string, number[]>();
  for (const word of words) {
    for (let length = Math.min(MIN_ANCHOR, word.length); length <= Math.min(MAX_ANCHOR, word.length); length++) {
      for (let at = 0; at + length <= word.length; at++) {
        const text = word.slice(at, at + length);
        if (covers.has(text)) continue;
        covers.set(
          text,
          words.flatMap((w, i) => (w.includes(text) ? [i] : [])),
        );
      }
    }
  }
  compiled = { words, also, candidates: [...covers].map(([text, c]) => ({ text, covers: c })) };
  compiledCache.set(keywords, compiled);
  return compiled;
}

export class KeywordFilter {
  private readonly compiled: Compiled;
  private probes: Probe[];
  /** Lines holding a keyword that the last search found, skipped or not. */
  private hits = 0;

  constructor(keywords: readonly Keyword[]) {
    this.compiled = compile(keywords);
    this.probes = this.compiled.words.map((w, i) => newProbe(w, [i]));
  }

  /**
   * Picks what to search for in this file. Each search is one Buffer.indexOf pass (memchr on the
   * first byte), so a few short strings that together occur in every keyword, and whose first bytes
   * are rare in the sample, beat one pass per keyword: a greedy weighted set cover.
   */
  tune(sample: Buffer): void {
    // Files of one dialect share their vocabulary: the choice made on the first one serves the others.
    if (this.compiled.tuned) {
      this.probes = this.compiled.tuned.map((p) => newProbe(p.text, p.covers));
      return;
    }
    const bytes = sample.subarray(0, SAMPLE_BYTES);
    const byteCounts = new Uint32Array(256);
    // Three-byte sequences, hashed: how often a search string would stop on an unrelated line.
    const tripleCounts = new Uint32Array(1 << 16);
    let a = 10;
    let b = 10;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      byteCounts[c]!++;
      tripleCounts[tripleHash(a, b, c)]!++;
      a = b;
      b = c;
    }
    const n = Math.max(bytes.length, 1);
    const cost = (text: string): number => {
      let lines = n;
      for (let i = 2; i < text.length; i++) lines = Math.min(lines, tripleCounts[tripleHash(text.charCodeAt(i - 2), text.charCodeAt(i - 1), text.charCodeAt(i))]!);
      return n * PASS_NS + byteCounts[text.charCodeAt(0)]! * FIRST_BYTE_NS + lines * LINE_NS;
    };
    const { words, candidates } = this.compiled;
    const uncovered = new Set(words.keys());
    const chosen: Probe[] = [];
    const costs = candidates.map((c) => cost(c.text));
    while (uncovered.size > 0) {
      let best = -1;
      let bestRatio = Infinity;
      candidates.forEach((c, i) => {
        let gain = 0;
        for (const w of c.covers) if (uncovered.has(w)) gain++;
        if (gain > 0 && costs[i]! / gain < bestRatio) {
          bestRatio = costs[i]! / gain;
          best = i;
        }
      });
      const pick = candidates[best]!;
      chosen.push(newProbe(pick.text, pick.covers));
      for (const w of pick.covers) uncovered.delete(w);
    }
    this.probes = chosen;
    this.compiled.tuned = chosen;
  }

  /** The lines of `view` (whole lines, ending in \n) holding a keyword: in order, each once, latin1-decoded. */
  lines(view: Buffer, skip?: LineVeto): FoundLine[] {
    let merged: FoundLine[] | undefined;
    let pieces: Piece[] | undefined;
    for (const p of this.probes) {
      const found = p.dense ? this.probeText((pieces ??= decodePieces(view)), p, skip) : this.probeBytes(view, p, skip);
      p.dense = this.hits * DENSE_BYTES > view.length;
      if (found.length > 0) merged = merged === undefined ? found : mergeSorted(merged, found);
    }
    return merged ?? [];
  }

  /** Buffer.indexOf over the raw bytes: no decoding, but three native calls per line found. */
  private probeBytes(view: Buffer, { needle, covers }: Probe, skip: LineVeto | undefined): FoundLine[] {
    const found: FoundLine[] = [];
    this.hits = 0;
    let at = view.indexOf(needle);
    while (at >= 0) {
      const start = view.lastIndexOf(10, at) + 1;
      const end = view.indexOf(10, at);
      const text = view.toString('latin1', start, end);
      if (this.holdsKeyword(text, covers)) {
        this.hits++;
        if (!skip?.(text)) found.push({ start, end, text, sliced: false });
      }
      // One hit per line is enough: go on after it.
      at = view.indexOf(needle, end + 1);
    }
    return found;
  }

  /** String search over the decoded chunk: slower per byte, far cheaper per line found. */
  private probeText(pieces: Piece[], { text: needle, covers }: Probe, skip: LineVeto | undefined): FoundLine[] {
    const found: FoundLine[] = [];
    this.hits = 0;
    for (const piece of pieces) {
      const text = piece.text;
      let at = text.indexOf(needle);
      while (at >= 0) {
        const start = text.lastIndexOf('\n', at) + 1;
        const end = text.indexOf('\n', at);
        const line = text.slice(start, end);
        if (this.holdsKeyword(line, covers)) {
          this.hits++;
          if (!skip?.(line)) found.push({ start: piece.start + start, end: piece.start + end, text: line, sliced: true });
        }
        at = text.indexOf(needle, end + 1);
      }
    }
    return found;
  }

  private holdsKeyword(line: string, covers: readonly number[]): boolean {
    const { words, also } = this.compiled;
    for (const i of covers) {
      if (line.includes(words[i]!) && also[i]!.every((w) => line.includes(w))) return true;
    }
    return false;
  }
}

function tripleHash(a: number, b: number, c: number): number {
  return Math.imul((a << 16) | (b << 8) | c, 0x9e3779b1) >>> 16;
}

function newProbe(text: string, covers: readonly number[]): Probe {
  return { needle: Buffer.from(text, 'latin1'), text, covers, dense: false };
}

/** The view (whole lines) as latin1 strings of whole lines, each about PIECE_BYTES long. */
function decodePieces(view: Buffer): Piece[] {
  const pieces: Piece[] = [];
  for (let start = 0; start < view.length; ) {
    let end = view.length;
    if (start + PIECE_BYTES < view.length) {
      end = view.lastIndexOf(10, start + PIECE_BYTES - 1) + 1;
      if (end <= start) end = view.indexOf(10, start + PIECE_BYTES) + 1;
    }
    pieces.push({ start, text: view.toString('latin1', start, end) });
    start = end;
  }
  return pieces;
}

export function mergeSorted(a: FoundLine[], b: FoundLine[]): FoundLine[] {
  const out: FoundLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.start <= y.start) {
      out.push(x);
      i++;
      if (x.start === y.start) j++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
