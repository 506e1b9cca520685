// A small WebAssembly assembler: the line finder's kernel (linefind.ts) is written in the flat
// instruction form of the text format and turned into a module here, at start-up, in well under a
// millisecond. It knows the instructions the kernel uses and nothing else; an unknown one is an error.

export type ValType = 'i32' | 'v128';

export interface FuncSource {
  name: string;
  params: readonly (readonly [string, ValType])[];
  results: readonly ValType[];
  locals: readonly (readonly [string, ValType])[];
  /** Flat instructions: `local.get $x`, `block $done` ... `end`, `v128.load offset=16`; `;;` comments. */
  body: string;
}

export interface ModuleSource {
  /** The module's one memory, in 64 KiB pages, exported as `memory`. */
  memoryPages: number;
  funcs: readonly FuncSource[];
}

const VALTYPE: Record<ValType, number> = { i32: 0x7f, v128: 0x7b };

type Immediate = 'none' | 'local' | 'label' | 'block' | 'memarg' | 'i32' | 'v128' | 'lanes16';

interface Op {
  code: readonly number[];
  imm: Immediate;
  /** log2 of the natural alignment, for memory instructions. */
  align?: number;
}

const core = (code: number, imm: Immediate = 'none', align?: number): Op => ({ code: [code], imm, align });
const simd = (code: number, imm: Immediate = 'none', align?: number): Op => ({ code: [0xfd, ...uleb(code)], imm, align });

const OPS: Record<string, Op> = {
  block: core(0x02, 'block'),
  loop: core(0x03, 'block'),
  end: core(0x0b),
  br: core(0x0c, 'label'),
  br_if: core(0x0d, 'label'),
  select: core(0x1b),
  'local.get': core(0x20, 'local'),
  'local.set': core(0x21, 'local'),
  'local.tee': core(0x22, 'local'),
  'i32.load': core(0x28, 'memarg', 2),
  'i32.load8_u': core(0x2d, 'memarg', 0),
  'i32.store': core(0x36, 'memarg', 2),
  'i32.const': core(0x41, 'i32'),
  'i32.eqz': core(0x45),
  'i32.eq': core(0x46),
  'i32.ne': core(0x47),
  'i32.lt_u': core(0x49),
  'i32.gt_u': core(0x4b),
  'i32.le_u': core(0x4d),
  'i32.ge_u': core(0x4f),
  'i32.ctz': core(0x68),
  'i32.popcnt': core(0x69),
  'i32.add': core(0x6a),
  'i32.sub': core(0x6b),
  'i32.and': core(0x71),
  'i32.or': core(0x72),
  'i32.shl': core(0x74),
  'v128.load': simd(0x00, 'memarg', 4),
  'v128.store': simd(0x0b, 'memarg', 4),
  'v128.const': simd(0x0c, 'v128'),
  'i8x16.shuffle': simd(0x0d, 'lanes16'),
  'i8x16.swizzle': simd(0x0e),
  'i8x16.splat': simd(0x0f),
  'i8x16.eq': simd(0x23),
  'i8x16.ne': simd(0x24),
  'v128.and': simd(0x4e),
  'v128.any_true': simd(0x53),
  'i8x16.bitmask': simd(0x64),
  'i8x16.shr_u': simd(0x6d),
};

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: bigint): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const name = (s: string): number[] => vec([...Buffer.from(s, 'utf8')].map((b) => [b]));
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];

class AsmError extends Error {
  constructor(func: string, message: string) {
    super(`wasm assembler, function ${func}: ${message}`);
  }
}

/** Assembles one function body (flat instructions) into its code bytes, locals included. */
function assembleBody(f: FuncSource): number[] {
  const localIndex = new Map<string, number>();
  [...f.params, ...f.locals].forEach(([n], i) => localIndex.set(n, i));
  const tokens = f.body
    .replace(/;;[^\n]*/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '');
  const labels: (string | undefined)[] = [];
  const out: number[] = [];
  const fail = (message: string): never => {
    throw new AsmError(f.name, message);
  };
  const number = (t: string | undefined): bigint => {
    if (t === undefined || !/^-?(?:0x[0-9a-f]+|\d+)$/i.test(t)) return fail(`expected a number, got ${t ?? 'the end'}`);
    return t.startsWith('-') ? -BigInt(t.slice(1)) : BigInt(t);
  };
  for (let i = 0; i < tokens.length; ) {
    const mnemonic = tokens[i++]!;
    const op = OPS[mnemonic] ?? fail(`unknown instruction ${mnemonic}`);
    out.push(...op.code);
    switch (op.imm) {
      case 'none':
        if (mnemonic === 'end') {
          if (labels.length === 0) fail('`end` without a block');
          labels.pop();
        }
        break;
      case 'block': {
        const label = tokens[i]?.startsWith('$') ? tokens[i++] : undefined;
        labels.push(label);
        out.push(0x40);
        break;
      }
      case 'label': {
        const label = tokens[i++] ?? fail(`${mnemonic} needs a label`);
        const depth = labels.length - 1 - labels.lastIndexOf(label);
        if (!label.startsWith('$') || depth >= labels.length) fail(`no enclosing block ${label}`);
        out.push(...uleb(depth));
        break;
      }
      case 'local': {
        const local = tokens[i++] ?? '';
        out.push(...uleb(localIndex.get(local) ?? fail(`unknown local ${local}`)));
        break;
      }
      case 'memarg': {
        let offset = 0;
        let align = op.align!;
        for (let m: RegExpExecArray | null; (m = /^(offset|align)=(\d+)$/.exec(tokens[i] ?? '')) !== null; i++) {
          if (m[1] === 'offset') offset = Number(m[2]);
          else align = Math.log2(Number(m[2]));
        }
        out.push(...uleb(align), ...uleb(offset));
        break;
      }
      case 'i32':
        out.push(...sleb(BigInt.asIntN(32, number(tokens[i++]))));
        break;
      case 'v128': {
        if (tokens[i++] !== 'i8x16') fail('v128.const takes i8x16 lanes');
        for (let k = 0; k < 16; k++) out.push(Number(BigInt.asUintN(8, number(tokens[i++]))));
        break;
      }
      case 'lanes16':
        for (let k = 0; k < 16; k++) {
          const lane = Number(number(tokens[i++]));
          if (lane > 31) fail(`shuffle lane ${lane} out of range`);
          out.push(lane);
        }
        break;
    }
  }
  if (labels.length > 0) fail('a block is not closed');
  // Locals: one entry per declared local (count 1, type).
  const locals = vec(f.locals.map(([, t]) => [1, VALTYPE[t]]));
  const code = [...locals, ...out, 0x0b];
  return [...uleb(code.length), ...code];
}

/** The bytes of a module with one exported memory and the given exported functions. */
export function assemble(source: ModuleSource): Uint8Array {
  const types = source.funcs.map((f) => [0x60, ...vec(f.params.map(([, t]) => [VALTYPE[t]])), ...vec(f.results.map((t) => [VALTYPE[t]]))]);
  const bytes = [
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, vec(types)),
    ...section(3, vec(source.funcs.map((_, i) => uleb(i)))),
    ...section(5, vec([[0x00, ...uleb(source.memoryPages)]])),
    ...section(7, vec([[...name('memory'), 0x02, 0x00], ...source.funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)])])),
    ...section(10, vec(source.funcs.map((f) => assembleBody(f)))),
  ];
  return Uint8Array.from(bytes);
}
