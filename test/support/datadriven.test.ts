// The datadriven reader: directives and options, mismatches reported by line, REWRITE=1 rewriting.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseDirective, runFile, type Directive } from './datadriven.js';

const FILE = `# a comment
echo a b
----
a b

echo
----
wrong

# before the last
upper x=1 y
----
X=1 Y
`;

const run = (d: Directive): string => {
  if (d.command === 'upper') return d.text.slice('upper '.length).toUpperCase();
  return d.args.join(' ');
};

describe('datadriven', () => {
  let dir: string;
  let path: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chronik-dd-'));
    path = join(dir, 'script.txt');
    writeFileSync(path, FILE);
  });
  afterEach(() => {
    delete process.env['REWRITE'];
    rmSync(dir, { recursive: true, force: true });
  });

  it('splits a directive into command, arguments and options', () => {
    const d = parseDirective('add-nodes 3 voters=1,2,3 join', 7);
    expect(d).toMatchObject({ line: 7, command: 'add-nodes', args: ['3', 'join'] });
    expect([...d.options]).toEqual([['voters', '1,2,3']]);
  });

  it('reports each directive whose output differs, by line, and says ok for empty output', () => {
    const mismatches = runFile(path, run);
    expect(mismatches.map((m) => [m.directive.line, m.expected, m.actual])).toEqual([[6, 'wrong', 'ok']]);
  });

  it('rewrites the expected output under REWRITE=1, keeping comments', () => {
    process.env['REWRITE'] = '1';
    expect(runFile(path, run)).toEqual([]);
    expect(readFileSync(path, 'utf8')).toBe(FILE.replace('wrong', 'ok'));
    delete process.env['REWRITE'];
    expect(runFile(path, run)).toEqual([]);
  });

  it('reports a thrown error as the output', () => {
    const mismatches = runFile(path, () => {
      throw new Error('boom');
    });
    expect(mismatches[0]?.actual).toBe('error: boom');
  });
});
