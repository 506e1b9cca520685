// Datadriven test files: a directive line (`command arg key=value`), a `----` line, then the
// expected output up to a blank line. Run each directive, compare its output, and with REWRITE=1
// write the actual output back into the file instead. Lines starting with `#` are comments.

import { readFileSync, writeFileSync } from 'node:fs';

export interface Directive {
  /** 1-based line of the directive in its file, for failure messages. */
  line: number;
  command: string;
  /** Positional arguments, in order. */
  args: string[];
  /** key=value arguments. */
  options: Map<string, string>;
  text: string;
}

interface Case {
  /** Comment and blank lines before the directive, kept verbatim on rewrite. */
  preamble: string[];
  directive: Directive;
  expected: string;
}

export function parseDirective(text: string, line: number): Directive {
  const words = text.trim().split(/\s+/);
  const [command = '', ...rest] = words;
  const args: string[] = [];
  const options = new Map<string, string>();
  for (const word of rest) {
    const eq = word.indexOf('=');
    if (eq > 0) options.set(word.slice(0, eq), word.slice(eq + 1));
    else args.push(word);
  }
  return { line, command, args, options, text: text.trim() };
}

function parse(path: string, content: string): { cases: Case[]; trailer: string[] } {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const cases: Case[] = [];
  let preamble: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (text.trim() === '' || text.startsWith('#')) {
      preamble.push(text);
      continue;
    }
    if (lines[i + 1] !== '----') throw new Error(`${path}:${i + 1}: expected '----' after the directive '${text}'`);
    const expected: string[] = [];
    let j = i + 2;
    while (j < lines.length && (lines[j] ?? '') !== '') expected.push(lines[j++] ?? '');
    cases.push({ preamble, directive: parseDirective(text, i + 1), expected: expected.join('\n') });
    preamble = [];
    // Skip the blank line that ends the output: rewriting puts it back.
    i = j;
  }
  return { cases, trailer: preamble };
}

export interface Mismatch {
  directive: Directive;
  expected: string;
  actual: string;
}

/**
 * Run every directive of the file at `path` through `run` (which returns the directive's output,
 * never with blank lines). Returns the mismatches; under REWRITE=1 rewrites the file and returns none.
 */
export function runFile(path: string, run: (directive: Directive) => string): Mismatch[] {
  const { cases, trailer } = parse(path, readFileSync(path, 'utf8'));
  const rewrite = process.env['REWRITE'] === '1';
  const mismatches: Mismatch[] = [];
  const out: string[] = [];
  for (const c of cases) {
    let actual: string;
    try {
      actual = run(c.directive);
    } catch (error) {
      actual = `error: ${error instanceof Error ? error.message : String(error)}`;
    }
    actual = actual.trim() === '' ? 'ok' : actual.replace(/\n\s*\n/g, '\n').trimEnd();
    if (actual !== c.expected) mismatches.push({ directive: c.directive, expected: c.expected, actual });
    out.push(...c.preamble, c.directive.text, '----', actual, '');
  }
  if (rewrite) {
    while (out[out.length - 1] === '' && trailer.length === 0) out.pop();
    writeFileSync(path, [...out, ...trailer].join('\n').replace(/\n*$/, '\n'));
    return [];
  }
  return mismatches;
}
