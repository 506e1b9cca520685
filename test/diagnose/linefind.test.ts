// The line finder (WebAssembly, SIMD) against the plain definition: a line is found when it holds a
// keyword; lines are counted and numbered; offsets are exact. Random texts are built from the
// keywords' own letters so that near misses and anchors across 16-byte blocks are common.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeywordFilter } from '../../src/diagnose/keywords.js';
import { INPUT_CAPACITY, LineFinder } from '../../src/diagnose/linefind.js';
import { assemble } from '../../src/diagnose/wasm.js';

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'abcdeft rm=[]{}"\u00e9\u00ff\t';

function randomCase(seed: number): { keywords: string[]; lines: string[] } {
  const next = random(seed);
  const pick = (s: string): string => s[Math.floor(next() * s.length)]!;
  const keywordCount = 1 + Math.floor(next() * 40);
  const keywords = Array.from({ length: keywordCount }, () => Array.from({ length: 4 + Math.floor(next() * 9) }, () => pick('abcdeft rm=')).join(''));
  const lines = Array.from({ length: 1 + Math.floor(next() * 300) }, () => {
    let line = '';
    const length = Math.floor(next() * (next() < 0.1 ? 400 : 60));
    while (line.length < length) {
      const r = next();
      if (r < 0.08) line += keywords[Math.floor(next() * keywords.length)]!;
      else if (r < 0.16) line += keywords[Math.floor(next() * keywords.length)]!.slice(0, -1);
      else line += pick(ALPHABET);
    }
    return line;
  });
  return { keywords, lines };
}

const encode = (lines: string[]): Buffer => Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');

describe('line finder', () => {
  it('finds exactly the lines holding a keyword, numbered and counted, in 300 random cases', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const { keywords, lines } = randomCase(seed);
      const view = encode(lines);
      const found = new KeywordFilter([...keywords]).find(view);
      const expected = lines.flatMap((line, index) => (keywords.some((k) => line.includes(k)) ? [{ line: index, text: line }] : []));
      expect({ seed, count: found.count, lines: found.lines.map(({ line, text }) => ({ line, text })) }).toEqual({ seed, count: lines.length, lines: expected });
      for (const f of found.lines) expect(view.toString('latin1', f.start, f.end)).toBe(f.text);
    }
  });

  it('finds the same lines and counts without SIMD (the plain JavaScript kernel)', () => {
    const simd = new LineFinder();
    const plain = new LineFinder({ simd: false });
    expect([simd.simd, plain.simd]).toEqual([true, false]);
    for (let seed = 301; seed <= 400; seed++) {
      const { keywords, lines } = randomCase(seed);
      const filter = new KeywordFilter([...keywords]);
      const view = encode(lines);
      const strip = (found: ReturnType<KeywordFilter['find']>) => ({ count: found.count, lines: found.lines.map(({ start, end, line, text }) => ({ start, end, line, text })) });
      expect({ seed, ...strip(filter.find(view, undefined, plain)) }).toEqual({ seed, ...strip(filter.find(view, undefined, simd)) });
    }
  });

  it('lets the built CLI diagnose without WebAssembly (node --jitless) with the same report', () => {
    const run = (flags: string[]) => spawnSync(process.execPath, [...flags, join(import.meta.dirname, '../../bin/run.js'), 'diagnose', '--json', join(import.meta.dirname, '../fixtures/diagnose')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const [plain, usual] = [run(['--jitless']), run([])];
    expect(plain.status).toBe(3);
    expect(plain.stdout).toBe(usual.stdout);
    expect(JSON.parse(plain.stdout).files.length).toBeGreaterThan(100);
  });

  it('tells the veto which keyword found the line and where it is', () => {
    const keywords = ['membership applied', 'became leader'];
    const lines = ['x', 'INFO membership applied node=1 voters=[1]', '{"msg":"became leader","node":2}', 'none here'];
    const view = encode(lines);
    const seen: string[] = [];
    new KeywordFilter(keywords).find(view, (v, start, end, keyword, at) => {
      expect(v.toString('latin1', at, at + keyword.length)).toBe(keyword);
      seen.push(`${v.toString('latin1', start, end)} @${at - start}`);
      return false;
    });
    expect(seen).toEqual(['INFO membership applied node=1 voters=[1] @5', '{"msg":"became leader","node":2} @8']);
  });

  it('reads a view in its own input area in place, and copies any other', () => {
    const finder = new LineFinder();
    const filter = new KeywordFilter(['quorum lost']);
    const text = encode(['a', 'b quorum lost', 'c']);
    text.copy(finder.input);
    const inPlace = filter.find(finder.input.subarray(0, text.length), undefined, finder);
    const copied = filter.find(text, undefined, finder);
    expect(inPlace).toEqual(copied);
    expect(copied.lines.map((l) => l.line)).toEqual([1]);
  });

  it('takes a view larger than its input area a piece at a time, numbering lines across pieces', () => {
    const line = 'y'.repeat(999);
    const lines = Array.from({ length: Math.ceil((2.5 * INPUT_CAPACITY) / 1000) }, (_, i) => (i % 997 === 0 || i === 1049 ? `${line.slice(0, 500)} stepped down ${i}` : line));
    const found = new KeywordFilter(['stepped down']).find(encode(lines));
    expect(found.count).toBe(lines.length);
    expect(found.lines.map((l) => l.line)).toEqual(lines.flatMap((l, i) => (l.includes('stepped down') ? [i] : [])));
  });

  it('refuses a view that does not end with a newline, and keywords shorter than its anchor', () => {
    expect(() => new KeywordFilter(['leader']).find(Buffer.from('no newline'))).toThrow(/whole lines/);
    expect(() => new KeywordFilter(['abc'])).toThrow(/shorter than 4/);
  });
});

describe('wasm assembler', () => {
  const func = (body: string) => ({ memoryPages: 1, funcs: [{ name: 'f', params: [['$a', 'i32']] as const, results: ['i32'] as const, locals: [['$r', 'i32']] as const, body }] });

  it('assembles a function that runs', () => {
    // r = 3 * a, by a loop; ;; comments are ignored
    const bytes = assemble(
      func(`
        block $out
          loop $again
            local.get $a i32.eqz br_if $out ;; done
            local.get $a i32.const 1 i32.sub local.set $a
            local.get $r i32.const 3 i32.add local.set $r
            br $again
          end
        end
        local.get $r`),
    );
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.f as (a: number) => number;
    expect([f(0), f(5), f(1000)]).toEqual([0, 15, 3000]);
  });

  it('says what is wrong with a body it cannot assemble', () => {
    expect(() => assemble(func('i32.frobnicate'))).toThrow('wasm assembler, function f: unknown instruction i32.frobnicate');
    expect(() => assemble(func('block $x i32.const 1'))).toThrow(/a block is not closed/);
    expect(() => assemble(func('br $nowhere'))).toThrow(/no enclosing block \$nowhere/);
    expect(() => assemble(func('local.get $b'))).toThrow(/unknown local \$b/);
  });
});
