// The keyword prefilter: finds, in a raw chunk of log bytes, the lines holding one of a dialect's
// keywords (declared next to the patterns of each interpreter), so only those lines are decoded.

/**
 * A literal every line an interpreter reacts to contains; a list means all of its words must be in
 * the line (the first is searched for, the others checked on the line it finds).
 */
export type Keyword = string | readonly [string, ...string[]];

interface Compiled {
  words: readonly string[];
  /** For each word, the keyword's other words that must be in the same line. */
  also: readonly (readonly string[])[];
  /** Every substring of the words worth searching for, with the words holding it. */
  candidates: readonly Candidate[];
  /** The search strings picked on the first file of this thread that used these keywords. */
  tuned?: Candidate[];
}

interface Candidate {
  text: string;
  /** Where the candidate sits inside the words holding it: [word index, offset in the word]. */
  places: readonly (readonly [number, number])[];
}

interface Probe extends Candidate {
  needle: Buffer;
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
 * Says, in line order for each search string, whether the line text[start, end) holding a keyword
 * still says nothing new (a configuration logged again unchanged): it is then skipped before anything
 * is built for it.
 */
export type LineVeto = (text: string, start: number, end: number) => boolean;

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

const compiledCache = new WeakMap<readonly Keyword[], Compiled>();

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
  const places = new Map<string, [number, number][]>();
  words.forEach((word, w) => {
    for (let length = Math.min(MIN_ANCHOR, word.length); length <= Math.min(MAX_ANCHOR, word.length); length++) {
      for (let at = 0; at + length <= word.length; at++) {
        const text = word.slice(at, at + length);
        let list = places.get(text);
        if (!list) places.set(text, (list = []));
        list.push([w, at]);
      }
    }
  });
  compiled = { words, also, candidates: [...places].map(([text, p]) => ({ text, places: p })) };
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
    this.probes = this.compiled.words.map((text, w) => newProbe({ text, places: [[w, 0]] }));
  }

  /**
   * Picks what to search for, on the sample of the first file of this thread with these keywords
   * (files of one dialect share their vocabulary). Each search is one Buffer.indexOf pass (memchr on
   * the first byte), so a few short strings that together occur in every keyword, and whose first
   * bytes are rare in the sample, beat one pass per keyword: a greedy weighted set cover.
   */
  tune(sample: Buffer): void {
    this.compiled.tuned ??= pickProbes(this.compiled, sample.subarray(0, SAMPLE_BYTES));
    this.probes = this.compiled.tuned.map(newProbe);
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

  /** Buffer.indexOf over the raw bytes: no decoding but of the lines found, few native calls per line. */
  private probeBytes(view: Buffer, probe: Probe, skip: LineVeto | undefined): FoundLine[] {
    const found: FoundLine[] = [];
    const { needle } = probe;
    this.hits = 0;
    let at = view.indexOf(needle);
    while (at >= 0) {
      let start = at;
      while (start > 0 && view[start - 1] !== 10) start--;
      const end = view.indexOf(10, at);
      let held = false;
      for (let hit = at; hit >= 0 && hit < end && !held; hit = view.indexOf(needle, hit + 1)) held = this.holdsBytes(view, hit, start, end, probe);
      if (held) {
        const text = view.toString('latin1', start, end);
        if (this.alsoHeld(text, 0, text.length, probe)) {
          this.hits++;
          if (!skip?.(text, 0, text.length)) found.push({ start, end, text, sliced: false });
        }
      }
      // One look per line is enough: go on after it.
      at = view.indexOf(needle, end + 1);
    }
    return found;
  }

  /** String search over the decoded chunk: slower per byte, far cheaper per line found. */
  private probeText(pieces: Piece[], probe: Probe, skip: LineVeto | undefined): FoundLine[] {
    const found: FoundLine[] = [];
    const needle = probe.text;
    this.hits = 0;
    for (const piece of pieces) {
      const text = piece.text;
      let at = text.indexOf(needle);
      while (at >= 0) {
        const start = text.lastIndexOf('\n', at) + 1;
        const end = text.indexOf('\n', at);
        let held = false;
        for (let hit = at; hit >= 0 && hit < end && !held; hit = text.indexOf(needle, hit + 1)) held = this.holdsText(text, hit, start, end, probe);
        if (held && this.alsoHeld(text, start, end, probe)) {
          this.hits++;
          if (!skip?.(text, start, end)) found.push({ start: piece.start + start, end: piece.start + end, text: text.slice(start, end), sliced: true });
        }
        at = text.indexOf(needle, end + 1);
      }
    }
    return found;
  }

  /** Whether a word the probe sits in is in the line [start, end) at this hit of the probe. */
  private holdsBytes(view: Buffer, hit: number, start: number, end: number, probe: Probe): boolean {
    const { words } = this.compiled;
    const { places } = probe;
    // Index loops: this runs per hit, often before the JIT has optimized it, where for-of is slow.
    for (let p = 0; p < places.length; p++) {
      const word = words[places[p]![0]]!;
      const from = hit - places[p]![1];
      if (from < start || from + word.length > end) continue;
      let i = 0;
      while (i < word.length && view[from + i] === word.charCodeAt(i)) i++;
      if (i === word.length) return true;
    }
    return false;
  }

  private holdsText(text: string, hit: number, start: number, end: number, probe: Probe): boolean {
    const { words } = this.compiled;
    const { places } = probe;
    for (let p = 0; p < places.length; p++) {
      const word = words[places[p]![0]]!;
      const from = hit - places[p]![1];
      if (from >= start && from + word.length <= end && text.startsWith(word, from)) return true;
    }
    return false;
  }

  /** Keywords of several words: the others must be in the line too (checked on a copy of it; they are rare). */
  private alsoHeld(text: string, start: number, end: number, probe: Probe): boolean {
    const { words, also } = this.compiled;
    let line: string | undefined;
    const { places } = probe;
    for (let p = 0; p < places.length; p++) {
      const w = places[p]![0];
      const others = also[w]!;
      if (others.length === 0) return true;
      line ??= text.slice(start, end);
      if (line.includes(words[w]!) && others.every((o) => line!.includes(o))) return true;
    }
    return false;
  }
}

function pickProbes({ words, candidates }: Compiled, bytes: Buffer): Candidate[] {
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
  const costs = candidates.map(({ text }) => {
    let lines = n;
    for (let i = 2; i < text.length; i++) lines = Math.min(lines, tripleCounts[tripleHash(text.charCodeAt(i - 2), text.charCodeAt(i - 1), text.charCodeAt(i))]!);
    return n * PASS_NS + byteCounts[text.charCodeAt(0)]! * FIRST_BYTE_NS + lines * LINE_NS;
  });
  // Lazy greedy: a candidate's gain only shrinks as words get covered, so candidates are kept in order
  // of their last known cost per word and only the front one is brought up to date.
  const covered = new Uint8Array(words.length);
  const gainOf = (c: Candidate): number => {
    let gain = 0;
    let previous = -1;
    // A word holding the candidate twice is listed twice, one after the other.
    for (const [w] of c.places) {
      if (w !== previous && covered[w] === 0) gain++;
      previous = w;
    }
    return gain;
  };
  const queue = candidates.map((c, i) => ({ c, cost: costs[i]!, ratio: costs[i]! / gainOf(c) })).sort((x, y) => x.ratio - y.ratio);
  let left = words.length;
  const chosen: Candidate[] = [];
  while (left > 0 && queue.length > 0) {
    const head = queue.shift()!;
    const gain = gainOf(head.c);
    if (gain === 0) continue;
    head.ratio = head.cost / gain;
    if (queue.length > 0 && head.ratio > queue[0]!.ratio) {
      let at = 0;
      while (at < queue.length && queue[at]!.ratio < head.ratio) at++;
      queue.splice(at, 0, head);
      continue;
    }
    chosen.push(head.c);
    for (const [w] of head.c.places) {
      if (covered[w] === 0) left--;
      covered[w] = 1;
    }
  }
  return chosen;
}

function newProbe(candidate: Candidate): Probe {
  return { ...candidate, needle: Buffer.from(candidate.text, 'latin1'), dense: false };
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

function tripleHash(a: number, b: number, c: number): number {
  return Math.imul((a << 16) | (b << 8) | c, 0x9e3779b1) >>> 16;
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
