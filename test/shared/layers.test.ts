// The layer rules of eslint.config.js: each bites on an import that goes the wrong way (static or
// dynamic), lets the allowed ones through, and docs/architecture.md's table says the same thing.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
// @ts-expect-error eslint.config.js is plain JavaScript without declarations.
import { LAYERS } from '../../eslint.config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

type Layer = { imports: string[]; nodeModules?: string[]; packages: 'none' | 'no-oclif' | 'any' };
const layers = LAYERS as Record<string, Layer>;

const eslint = new ESLint({ cwd: ROOT });

async function layerMessages(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${file}` });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-syntax').map((m) => m.message);
}

describe('layer rules', () => {
  it.each([
    ['src/node/x.ts', "import { paint } from '../cli/render.js';\nexport const f = paint;\n", /src\/node must not import src\/cli/],
    ['src/node/x.ts', "export const f = () => import('../client/http.js');\n", /src\/node must not import src\/client/],
    ['src/client/x.ts', "import type { Logger } from '../node/logger.js';\nexport type L = Logger;\n", /src\/client must not import src\/node/],
    ['src/client/x.ts', "import { Command } from '@oclif/core';\nexport const f = Command;\n", /must not import oclif/],
    ['src/diagnose/x.ts', "import { Wal } from '../node/wal.js';\nexport const f = Wal;\n", /may use only node\/datadir and node\/errors/],
    ['src/diagnose/interpret/x.ts', "export const f = () => import('../../cli/render.js');\n", /src\/diagnose must not import src\/cli/],
    ['src/shared/x.ts', "export { Logger } from '../node/logger.js';\n", /src\/shared must not import src\/node/],
    ['src/raft/x.ts', "import type { Problem } from '../shared/problem.js';\nexport type P = Problem;\n", /src\/raft imports nothing/],
    ['src/raft/x.ts', "import { readdirSync, readFileSync } from 'node:fs';\nexport const f = readFileSync;\n", /src\/raft imports nothing/],
    ['src/cli/x.ts', "export const f = () => import('../commands/status.js');\n", /src\/cli must not import src\/commands/],
  ])('%s refuses: %s', async (file, code, expected) => {
    const messages = await layerMessages(file, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(expected);
  });

  it.each([
    ['src/diagnose/x.ts', "import { readDataDir } from '../node/datadir.js';\nexport const f = readDataDir;\n"],
    ['src/node/x.ts', "import { parseDuration } from '../shared/duration.js';\nimport type { Entry } from '../raft/types.js';\nexport const f = parseDuration;\nexport type E = Entry;\n"],
    ['src/cli/x.ts', "import { Flags } from '@oclif/core';\nexport const f = () => import('../client/http.js');\nexport const g = Flags;\n"],
    ['src/commands/x.ts', "import { startNode } from '../node/runtime.js';\nexport const f = startNode;\n"],
  ])('%s allows: %s', async (file, code) => {
    expect(await layerMessages(file, code)).toEqual([]);
  });

  it('has a rule for every directory of src/', () => {
    const dirs = readdirSync(`${ROOT}/src`, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(dirs.sort()).toEqual(Object.keys(layers).sort());
  });

  it("docs/architecture.md's table lists what the linter enforces", () => {
    const doc = readFileSync(`${ROOT}/docs/architecture.md`, 'utf8');
    const rows = new Map<string, string>();
    for (const match of doc.matchAll(/^\| `src\/(\w+)\/` \|.*\| ([^|]+) \|$/gm)) rows.set(match[1] as string, match[2] as string);
    expect([...rows.keys()].sort()).toEqual(Object.keys(layers).sort());
    for (const [layer, rule] of Object.entries(layers)) {
      const cell = rows.get(layer) as string;
      if (layer === 'commands') {
        expect(cell).toMatch(/everything/);
        expect(rule.imports.sort()).toEqual(Object.keys(layers).filter((l) => l !== 'commands').sort());
        continue;
      }
      const named = [...cell.matchAll(/src\/(\w+)/g)].map((m) => m[1]).sort();
      expect(named, layer).toEqual([...rule.imports, ...(rule.nodeModules ? ['node'] : [])].sort());
      for (const module of rule.nodeModules ?? []) expect(cell, layer).toContain(`\`${module}\``);
      expect(/no oclif/.test(cell), layer).toBe(rule.packages === 'no-oclif');
      expect(/nothing/.test(cell), layer).toBe(rule.packages === 'none');
    }
  });
});
