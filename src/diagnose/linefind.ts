// The line finder: one pass over a chunk of log bytes, in WebAssembly with 128-bit SIMD, that counts
// its lines and reports the ones holding one of up to 256 keywords. Each keyword is searched by a
// four-byte anchor taken from it; sixteen bytes at a time, two table look-ups per anchor byte (low and
// high nibble, one bit per bucket of keywords) say where some anchor may end, and only there are the
// bucket's keywords compared byte for byte. A found line is skipped to its end, so a line is reported
// once, with the keyword that found it and where. Where WebAssembly SIMD cannot run, the same contract
// runs as plain JavaScript.
import { assemble } from './wasm.js';

/** Layout of the module's memory. */
const NIBBLE_TABLES = 0; // lo0 hi0 ... lo3 hi3: 16 bytes each, bit b = an anchor of bucket b
const SCRATCH = 128; // 16 bytes: the candidate lanes of the current chunk
const NEWLINES = 144; // i32: newlines counted by the last find
const BUCKETS = 160; // 8 x (first record address, end address)
const WORDS = 224; // records of 16 bytes: index, anchor offset, length, bytes address; then the bytes
export const TABLE_BYTES = 1 << 16;
/** Where a chunk is put, and how long it may be (the longest line diagnose reads, and its newline). */
export const INPUT = TABLE_BYTES;
export const INPUT_CAPACITY = (1 << 20) + 1;
/** Loads of 16 bytes run up to 15 bytes past the end. */
const PADDING = 1 << 16;
const OUTPUT = INPUT + ((INPUT_CAPACITY + PADDING) & ~15);
const RECORD_BYTES = 16;
/** Bytes of a keyword the kernel looks for. */
export const ANCHOR = 4;
/** Keywords are at least an anchor long, so a chunk holds at most len / (MIN_KEYWORD + 1) + 1 found lines. */
export const MIN_KEYWORD = ANCHOR;
const OUTPUT_BYTES = (Math.floor(INPUT_CAPACITY / (MIN_KEYWORD + 1)) + 1) * RECORD_BYTES;
const PAGES = Math.ceil((OUTPUT + OUTPUT_BYTES) / 65536);
export const MAX_BUCKETS = 8;
/** A record's fourth i32: the keyword's offset in its line, shifted left this far, or'ed with the keyword's index. */
const KEYWORD_BITS = 8;
export const MAX_WORDS = 1 << KEYWORD_BITS;
/** The keyword index of a record's fourth i32. */
export const recordKeyword = (packed: number): number => packed & (MAX_WORDS - 1);
/** Where in its line the keyword of a record's fourth i32 starts. */
export const recordKeywordAt = (packed: number): number => packed >>> KEYWORD_BITS;

const LANE_SHIFT_3 = '13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28';
const LANE_SHIFT_2 = '14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29';
const LANE_SHIFT_1 = '15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30';

// find(begin, end, out): records of the lines in [begin, end) (whole lines: end - 1 is a newline) that
// hold a keyword, as [start, end of line (its newline), newlines before it, (where the keyword starts in
// the line << 8) | keyword index], offsets relative to begin; returns how many, and leaves the number
// of newlines at NEWLINES.
const FIND = `
  i32.const 0 v128.load offset=${NIBBLE_TABLES} local.set $lo0
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 16} local.set $hi0
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 32} local.set $lo1
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 48} local.set $hi1
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 64} local.set $lo2
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 80} local.set $hi2
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 96} local.set $lo3
  i32.const 0 v128.load offset=${NIBBLE_TABLES + 112} local.set $hi3
  i32.const 15 i8x16.splat local.set $nib
  i32.const 10 i8x16.splat local.set $nlv
  local.get $begin local.set $i
  block $done
    loop $chunk
      block $hit
        local.get $i local.get $end i32.ge_u br_if $done
        local.get $i v128.load align=1 local.set $c
        ;; the lanes before end: all 16, or (1 << (end - i)) - 1 in the last chunk
        i32.const 0xffff
        i32.const 1 local.get $end local.get $i i32.sub i32.shl i32.const 1 i32.sub
        local.get $end local.get $i i32.sub i32.const 16 i32.ge_u
        select local.set $valid
        local.get $c local.get $nlv i8x16.eq i8x16.bitmask local.get $valid i32.and local.set $nl
        local.get $c local.get $nib v128.and local.set $lo
        local.get $c i32.const 4 i8x16.shr_u local.set $hi
        local.get $lo0 local.get $lo i8x16.swizzle local.get $hi0 local.get $hi i8x16.swizzle v128.and local.set $r0
        local.get $lo1 local.get $lo i8x16.swizzle local.get $hi1 local.get $hi i8x16.swizzle v128.and local.set $r1
        local.get $lo2 local.get $lo i8x16.swizzle local.get $hi2 local.get $hi i8x16.swizzle v128.and local.set $r2
        local.get $lo3 local.get $lo i8x16.swizzle local.get $hi3 local.get $hi i8x16.swizzle v128.and local.set $r3
        ;; lane j: buckets with an anchor ending at i + j (its first bytes may be in the previous chunk)
        local.get $p0 local.get $r0 i8x16.shuffle ${LANE_SHIFT_3}
        local.get $p1 local.get $r1 i8x16.shuffle ${LANE_SHIFT_2}
        v128.and
        local.get $p2 local.get $r2 i8x16.shuffle ${LANE_SHIFT_1}
        v128.and local.get $r3 v128.and local.set $res
        local.get $r0 local.set $p0
        local.get $r1 local.set $p1
        local.get $r2 local.set $p2
        block $nothing
          local.get $res v128.any_true i32.eqz br_if $nothing
          i32.const ${SCRATCH} local.get $res v128.store
          local.get $res v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 i8x16.ne i8x16.bitmask
          local.get $valid i32.and local.set $cand
          loop $candidate
            local.get $cand i32.eqz br_if $nothing
            local.get $cand i32.ctz local.set $j
            local.get $cand local.get $cand i32.const 1 i32.sub i32.and local.set $cand
            local.get $i local.get $j i32.add local.set $e
            local.get $j i32.load8_u offset=${SCRATCH} local.set $bits
            loop $bucket
              local.get $bits i32.eqz br_if $candidate
              local.get $bits i32.ctz i32.const 3 i32.shl local.set $b
              local.get $bits local.get $bits i32.const 1 i32.sub i32.and local.set $bits
              local.get $b i32.load offset=${BUCKETS} local.set $w
              local.get $b i32.load offset=${BUCKETS + 4} local.set $wend
              loop $word
                local.get $w local.get $wend i32.ge_u br_if $bucket
                block $mismatch
                  ;; the keyword would start at s = e - 3 - anchor offset and must lie in [begin, end)
                  local.get $e i32.const 3 i32.sub local.get $w i32.load offset=4 i32.sub local.tee $s
                  local.get $begin i32.lt_u br_if $mismatch
                  local.get $w i32.load offset=8 local.set $len
                  local.get $s local.get $len i32.add local.get $end i32.gt_u br_if $mismatch
                  local.get $w i32.load offset=12 local.set $p
                  i32.const 0 local.set $q
                  loop $byte
                    local.get $q local.get $len i32.ge_u br_if $hit
                    local.get $s local.get $q i32.add i32.load8_u
                    local.get $p local.get $q i32.add i32.load8_u
                    i32.ne br_if $mismatch
                    local.get $q i32.const 1 i32.add local.set $q
                    br $byte
                  end
                end
                local.get $w i32.const ${RECORD_BYTES} i32.add local.set $w
                br $word
              end
            end
          end
        end
        local.get $lines local.get $nl i32.popcnt i32.add local.set $lines
        local.get $i i32.const 16 i32.add local.set $i
        br $chunk
      end
      ;; a keyword at s in the chunk at i: its line starts after the newline before s
      local.get $s local.set $ls
      block $start
        loop $back
          local.get $ls local.get $begin i32.le_u br_if $start
          local.get $ls i32.const 1 i32.sub i32.load8_u i32.const 10 i32.eq br_if $start
          local.get $ls i32.const 1 i32.sub local.set $ls
          br $back
        end
      end
      ;; every newline in the chunk before the anchor's end comes before the line
      local.get $lines
      local.get $nl i32.const 1 local.get $j i32.shl i32.const 1 i32.sub i32.and i32.popcnt
      i32.add local.set $lineno
      ;; and it ends at the first newline after the anchor (end - 1 is one)
      local.get $e local.set $q
      block $stop
        loop $forward
          local.get $q v128.load align=1 local.get $nlv i8x16.eq i8x16.bitmask local.tee $m
          br_if $stop
          local.get $q i32.const 16 i32.add local.set $q
          br $forward
        end
      end
      local.get $q local.get $m i32.ctz i32.add local.set $le
      local.get $out local.get $n i32.const 4 i32.shl i32.add local.tee $rec
      local.get $ls local.get $begin i32.sub i32.store
      local.get $rec local.get $le local.get $begin i32.sub i32.store offset=4
      local.get $rec local.get $lineno i32.store offset=8
      local.get $rec local.get $s local.get $ls i32.sub i32.const ${KEYWORD_BITS} i32.shl local.get $w i32.load i32.or i32.store offset=12
      local.get $n i32.const 1 i32.add local.set $n
      local.get $lineno i32.const 1 i32.add local.set $lines
      local.get $le i32.const 1 i32.add local.set $i
      ;; the next line starts afresh: no anchor runs across a newline
      v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 local.tee $p0 local.tee $p1 local.set $p2
      br $chunk
    end
  end
  i32.const ${NEWLINES} local.get $lines i32.store
  local.get $n
`;

const I32 = ['begin', 'end', 'out'] as const;
const LOCALS_I32 = ['i', 'valid', 'nl', 'cand', 'j', 'e', 'bits', 'b', 'w', 'wend', 's', 'len', 'p', 'q', 'ls', 'lineno', 'm', 'le', 'rec', 'n', 'lines'];
const LOCALS_V128 = ['lo0', 'hi0', 'lo1', 'hi1', 'lo2', 'hi2', 'lo3', 'hi3', 'nib', 'nlv', 'c', 'lo', 'hi', 'r0', 'r1', 'r2', 'r3', 'p0', 'p1', 'p2', 'res'];

let compiled: WebAssembly.Module | null | undefined;

/** The kernel's module, or null where WebAssembly or its SIMD is unavailable (node --jitless, an old CPU). */
function module(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = compileKernel();
  } catch {
    compiled = null;
  }
  return compiled;
}

function compileKernel(): WebAssembly.Module {
  return new WebAssembly.Module(
    assemble({
      memoryPages: PAGES,
      funcs: [
        {
          name: 'find',
          params: I32.map((n) => [`$${n}`, 'i32'] as const),
          results: ['i32'],
          locals: [...LOCALS_I32.map((n) => [`$${n}`, 'i32'] as const), ...LOCALS_V128.map((n) => [`$${n}`, 'v128'] as const)],
          body: FIND,
        },
      ],
    }),
  );
}

/**
 * The kernel's contract in plain JavaScript, on the same memory layout, for where the kernel cannot
 * run: each line searched for each keyword, the leftmost one reported. Far slower, same lines.
 */
function findInJs(memory: ArrayBuffer, tables: () => Tables): (begin: number, end: number, out: number) => number {
  return (begin, end, out) => {
    const words = tables().words.map((w) => ({ index: w.index, text: Buffer.from(w.bytes).toString('latin1') }));
    const text = Buffer.from(memory, begin, end - begin).toString('latin1');
    const records = new Int32Array(memory, out);
    let count = 0;
    let lines = 0;
    for (let start = 0; start < text.length; lines++) {
      const end = text.indexOf('\n', start);
      const line = text.slice(start, end);
      let at = -1;
      let index = 0;
      for (const w of words) {
        const found = line.indexOf(w.text);
        if (found >= 0 && (at < 0 || found < at)) [at, index] = [found, w.index];
      }
      if (at >= 0) records.set([start, end, lines, (at << KEYWORD_BITS) | index], 4 * count++);
      start = end + 1;
    }
    new Int32Array(memory, NEWLINES, 1)[0] = lines;
    return count;
  };
}

/** What the kernel searches for: the table area's bytes, built by the keyword filter. */
export interface Tables {
  bytes: Uint8Array;
  words: readonly KernelWord[];
}

/** A keyword as the kernel stores it: its index (reported back), anchor offset and bytes. */
export interface KernelWord {
  index: number;
  anchor: number;
  bytes: Uint8Array;
  bucket: number;
}

/** Lays out the tables of the given keywords (each at least MIN_KEYWORD bytes, anchors inside them). */
export function buildTables(words: readonly KernelWord[]): Tables {
  const bytes = new Uint8Array(TABLE_BYTES);
  const view = new DataView(bytes.buffer);
  if (words.length > MAX_WORDS) throw new RangeError(`the line finder takes at most ${MAX_WORDS} keywords`);
  const ordered = [...words].sort((a, b) => a.bucket - b.bucket);
  let record = WORDS;
  let data = WORDS + ordered.length * RECORD_BYTES;
  for (let bucket = 0; bucket < MAX_BUCKETS; bucket++) {
    view.setInt32(BUCKETS + bucket * 8, record, true);
    for (const w of ordered) {
      if (w.bucket !== bucket) continue;
      if (w.bytes.length < MIN_KEYWORD || w.anchor < 0 || w.anchor + ANCHOR > w.bytes.length) throw new RangeError(`keyword ${Buffer.from(w.bytes).toString('latin1')} has no anchor`);
      if (data + w.bytes.length > TABLE_BYTES) throw new RangeError('too many keywords for the line finder');
      for (let k = 0; k < ANCHOR; k++) {
        const byte = w.bytes[w.anchor + k]!;
        bytes[NIBBLE_TABLES + 32 * k + (byte & 15)]! |= 1 << bucket;
        bytes[NIBBLE_TABLES + 32 * k + 16 + (byte >> 4)]! |= 1 << bucket;
      }
      view.setInt32(record, w.index, true);
      view.setInt32(record + 4, w.anchor, true);
      view.setInt32(record + 8, w.bytes.length, true);
      view.setInt32(record + 12, data, true);
      bytes.set(w.bytes, data);
      record += RECORD_BYTES;
      data += w.bytes.length;
    }
    view.setInt32(BUCKETS + bucket * 8 + 4, record, true);
  }
  return { bytes, words };
}

/** One instance of the kernel with its own memory: the chunk buffer of one scan at a time. */
export class LineFinder {
  private readonly find: (begin: number, end: number, out: number) => number;
  private readonly memory: { readonly buffer: ArrayBuffer };
  /** The input area: a scanner reads its file straight into it. */
  readonly input: Buffer;
  private loaded: Tables | undefined;
  /** false: the kernel runs as plain JavaScript (so it does anyway where WebAssembly SIMD is unavailable). */
  readonly simd: boolean;

  constructor(options: { simd?: boolean } = {}) {
    const kernel = options.simd === false ? null : module();
    if (kernel) {
      const exports = new WebAssembly.Instance(kernel).exports as unknown as { memory: WebAssembly.Memory; find: (begin: number, end: number, out: number) => number };
      this.memory = exports.memory;
      this.find = exports.find;
    } else {
      this.memory = { buffer: new ArrayBuffer(PAGES * 65536) };
      this.find = findInJs(this.memory.buffer, () => this.loaded!);
    }
    this.simd = kernel !== null;
    this.input = Buffer.from(this.memory.buffer, INPUT, INPUT_CAPACITY);
  }

  /**
   * The lines of `view` (whole lines: it ends with a newline) holding a keyword of `tables`, as
   * records [start, end, newlines before, keyword offset in the line << 8 | keyword index] in the
   * returned Int32Array, and the number of lines of the view. A view outside the input area is
   * copied into it (it must fit).
   */
  lines(view: Uint8Array, tables: Tables): { records: Int32Array; count: number; lines: number } {
    if (view.length === 0) return { records: new Int32Array(0), count: 0, lines: 0 };
    if (view[view.length - 1] !== 10) throw new RangeError('the line finder takes whole lines');
    if (view.buffer !== this.memory.buffer || view.byteOffset !== INPUT) {
      if (view.length > INPUT_CAPACITY) throw new RangeError(`the line finder takes at most ${INPUT_CAPACITY} bytes at once`);
      this.input.set(view);
    }
    if (this.loaded !== tables) {
      new Uint8Array(this.memory.buffer, 0, TABLE_BYTES).set(tables.bytes);
      this.loaded = tables;
    }
    const count = this.find(INPUT, INPUT + view.length, OUTPUT);
    const lines = new Int32Array(this.memory.buffer, NEWLINES, 1)[0]!;
    return { records: new Int32Array(this.memory.buffer, OUTPUT, count * 4), count, lines };
  }
}

const idle: LineFinder[] = [];

/** A line finder for one scan (from the thread's idle ones, or new); give it back with `release`. */
export function acquireLineFinder(): LineFinder {
  return idle.pop() ?? new LineFinder();
}

export function releaseLineFinder(finder: LineFinder): void {
  if (idle.length < 4) idle.push(finder);
}
