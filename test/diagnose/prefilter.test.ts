// The keyword prefilter may only skip lines no interpreter reacts to: every fixture must give the same
// report with it as when every line is interpreted, and every line that makes an event must hold a
// keyword of its file's dialect (so a pattern added without its keyword fails here).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dialectKeywords } from '../../src/diagnose/dialect.js';
import { diagnose } from '../../src/diagnose/index.js';
import { KeywordFilter } from '../../src/diagnose/keywords.js';
import type { RaftEvent } from '../../src/diagnose/model.js';
import { SourceScanner } from '../../src/diagnose/scan.js';

const ROOT = join(import.meta.dirname, '../fixtures/diagnose');
const SCENARIOS = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join(ROOT, e.name))
  .sort();

function logFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return logFiles(path);
    return /\.(log|txt|json)$/.test(e.name) && !/^(expected|README)/.test(e.name) && statSync(path).size > 0 ? [path] : [];
  });
}

describe('keyword prefilter', () => {
  it('has fixtures to check', () => {
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(30);
  });

  it.each(SCENARIOS.map((dir) => [dir.slice(ROOT.length + 1), dir]))('%s: same report with and without the prefilter', async (_name, dir) => {
    const filtered = await diagnose([dir]);
    const everyLine = await diagnose([dir], { prefilter: false });
    expect(filtered).toEqual(everyLine);
  });

  it('keeps every line that makes an event, in every fixture file', () => {
    const missed: string[] = [];
    let checked = 0;
    for (const file of SCENARIOS.flatMap(logFiles)) {
      const events: RaftEvent[] = [];
      const scanner = new SourceScanner(file, { handle: (e) => events.push(e), endOfStream: () => undefined }, { prefilter: false });
      const { dialect } = scanner.scanFile(file);
      const keywords = dialectKeywords(dialect);
      const filter = new KeywordFilter([...keywords.lines, ...keywords.identity, ...keywords.group]);
      for (const event of events) {
        const text = event.evidence.text;
        // Evidence of very long lines is cut short; their keyword may be past the cut.
        if (text.endsWith('...')) continue;
        checked++;
        if (filter.lines(Buffer.from(`${text}\n`, 'latin1')).length === 0) missed.push(`${file}:${event.evidence.line} (${event.kind}): ${text}`);
      }
    }
    expect(checked).toBeGreaterThan(1000);
    expect(missed).toEqual([]);
  });
});
