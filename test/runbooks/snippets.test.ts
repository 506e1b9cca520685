// The shell blocks of docs/runbooks/*.md are extracted and checked so that the pages cannot rot: every
// block parses (`sh -n`) and passes shellcheck, every finding page has Check and Fix blocks that say
// what the exit codes mean, and every chronik command, flag and script named exists.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/cli.js';
import { shellcheck, shSyntax } from './shell.js';

const DOCS = join(ROOT, 'docs/runbooks');
const pages = readdirSync(DOCS).filter((f) => f.endsWith('.md')).sort();
const findingPages = pages.filter((f) => f !== 'README.md');

interface Block {
  page: string;
  /** The `## ` heading the block sits under. */
  section: string;
  text: string;
}

function blocksOf(page: string): Block[] {
  const blocks: Block[] = [];
  let section = '';
  let open: string[] | undefined;
  for (const line of readFileSync(join(DOCS, page), 'utf8').split('\n')) {
    if (open) {
      if (line === '```') {
        blocks.push({ page, section, text: `${open.join('\n')}\n` });
        open = undefined;
      } else open.push(line);
    } else if (line.startsWith('## ')) section = line.slice(3);
    else if (line === '```sh') open = [];
  }
  return blocks;
}

const blocks = pages.flatMap(blocksOf);

/** The flag names a chronik command accepts, from its oclif class. */
async function flagsOf(command: string): Promise<Set<string>> {
  const module = (await import(`../../src/commands/${command}.ts`)) as { default: { flags?: object; baseFlags?: object } };
  return new Set([...Object.keys(module.default.flags ?? {}), ...Object.keys(module.default.baseFlags ?? {}), 'help']);
}

/** Command lines of the block: continuation lines joined, comments dropped. */
function commandLines(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

describe('runbook pages', () => {
  it('every finding page has Check and Fix blocks that say what the exit codes mean', () => {
    expect(findingPages.length).toBeGreaterThanOrEqual(20);
    for (const page of findingPages) {
      for (const section of ['Check', 'Fix']) {
        const found = blocks.filter((b) => b.page === page && b.section === section);
        expect(found.length, `${page} ## ${section}`).toBeGreaterThan(0);
        expect(found.some((b) => /^# exit/m.test(b.text)), `${page} ## ${section} explains exit codes`).toBe(true);
      }
    }
  });

  it.each(pages)('the shell blocks of %s parse with sh -n and pass shellcheck', (page) => {
    for (const block of blocks.filter((b) => b.page === page)) {
      const parsed = shSyntax(block.text);
      expect(parsed.output, `${page} ## ${block.section}:\n${block.text}`).toBe('');
      expect(parsed.ok).toBe(true);
      const checked = shellcheck({ text: block.text });
      expect(checked.output, `${page} ## ${block.section}:\n${block.text}`).toBe('');
      expect(checked.ok).toBe(true);
    }
  });

  it('every chronik command and flag, and every script and its options, named in a block exist', async () => {
    const commands = new Set(readdirSync(join(ROOT, 'src/commands')).map((f) => f.replace(/\.ts$/, '')));
    let seen = 0;
    for (const block of blocks) {
      for (const line of commandLines(block.text)) {
        const words = line.split(/\s+/);
        const where = `${block.page} ## ${block.section}: ${line}`;
        const chronikAt = words.indexOf('chronik');
        if (chronikAt >= 0 && (chronikAt === 0 || words[chronikAt - 1] === '|')) {
          const command = words[chronikAt + 1] ?? '';
          expect(commands.has(command), where).toBe(true);
          const flags = await flagsOf(command);
          for (const word of words.slice(chronikAt + 2)) {
            if (word === '|' || word === '&&' || word === '||') break;
            const flag = /^--([a-z-]+)/.exec(word)?.[1];
            if (flag) expect(flags.has(flag), `${where}: --${flag}`).toBe(true);
          }
          seen++;
        }
        const script = /(?:^|\s)(docs\/runbooks\/scripts\/[\w-]+\.sh)/.exec(line)?.[1];
        if (script) {
          const file = join(ROOT, script);
          expect(existsSync(file), where).toBe(true);
          const help = spawnSync(file, ['--help'], { encoding: 'utf8' }).stdout;
          for (const option of line.match(/\s--[a-z-]+/g) ?? []) expect(help, `${where}: ${option.trim()}`).toMatch(new RegExp(`${option.trim()}(?![\\w-])`));
          seen++;
        }
      }
    }
    expect(seen).toBeGreaterThan(40);
  });
});
