// Pastes are windows of a log: every contiguous window of 5, 10, 20 and 40 lines of every healthy or
// benign log we hold (fixtures marked healthy, corpus cases marked healthy), read alone, forwards,
// reversed and with its timestamps stripped, must give no finding at warning or above. A window cut
// mid-election or holding only half of a restart must not read as a sick cluster.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Analyzer } from '../../src/diagnose/analyzer.js';
import { withTableCodes } from '../../src/diagnose/detectors/refine.js';
import { SourceScanner } from '../../src/diagnose/scan.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/diagnose');
const CASES = join(import.meta.dirname, '../corpus/cases');
const SIZES = [5, 10, 20, 40];
/** Windows per size and log at most: longer logs are walked with a larger stride. */
const MAX_WINDOWS = 25;

interface Log {
  name: string;
  file: string;
  lines: string[];
}

function readLog(path: string): string[] {
  const raw = readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8');
  return text.split('\n').filter((l) => l.trim() !== '');
}

const isLogFile = (f: string): boolean => !/^(README\.md|expected(\.pending)?\.json|case\.json|commands\.txt)$/.test(basename(f));

/** Log files under dir, relative paths, in subdirectories too (CRI fixtures keep /var/log/pods' layout). */
const logFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .filter(isLogFile)
    .sort();

function healthyLogs(): Log[] {
  const logs: Log[] = [];
  for (const dir of readdirSync(FIXTURES).sort()) {
    const expected = join(FIXTURES, dir, 'expected.json');
    if (!existsSync(expected) || (JSON.parse(readFileSync(expected, 'utf8')) as { healthy?: boolean }).healthy !== true) continue;
    for (const f of logFiles(join(FIXTURES, dir))) logs.push({ name: `${dir}/${f}`, file: basename(f), lines: readLog(join(FIXTURES, dir, f)) });
  }
  if (!existsSync(CASES)) return logs;
  for (const dir of readdirSync(CASES).sort()) {
    const spec = join(CASES, dir, 'case.json');
    if (!existsSync(spec) || (JSON.parse(readFileSync(spec, 'utf8')) as { healthy?: boolean }).healthy !== true) continue;
    for (const f of logFiles(join(CASES, dir))) logs.push({ name: `corpus/${dir}/${f}`, file: basename(f), lines: readLog(join(CASES, dir, f)) });
  }
  return logs;
}

/** What diagnose() does for one file, in process and from memory: scan into an analyzer, run the detectors. */
async function alarmsOf(file: string, lines: string[]): Promise<string[]> {
  const analyzer = new Analyzer();
  await new SourceScanner(file, analyzer).scan(Readable.from([Buffer.from(lines.join('\n') + '\n')]));
  return withTableCodes(analyzer.findings())
    .filter((f) => f.severity !== 'info')
    .map((f) => f.code);
}

// Timestamps as the envelopes we hold print them: ISO / space-separated dates, Go's std log and raft's
// DefaultLogger (`raft2026/11/26 05:00:00`), syslog's `Nov 26 05:00:00`, zap's `"ts":...` field.
const STAMPS = [
  /"(ts|time|@timestamp|timestamp)":\s*("[^"]*"|[0-9.e+]+),?/g,
  /\d{4}[-/]\d{2}[-/]\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?/g,
  /\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}(?:\.\d+)?/g,
  /\btime="[^"]*"/g,
];
const stripStamps = (line: string): string => STAMPS.reduce((l, re) => l.replace(re, ''), line);

/** Window shapes allowed to alarm, each with why: matched on the log, the codes and where the window ends. */
const EXCUSED: { log: RegExp; codes: string[]; endsBy?: number; why: string }[] = [
  {
    log: /^chronik-(text|json)-join-added\/chronik-4/,
    codes: ['EMPTY_VOTERS', 'STUCK_AT_TERM_0', 'NOT_PROMOTABLE'],
    endsBy: 5,
    why: 'lines 1-5 alone are a fresh node with no voters refusing to campaign for 20 s, not yet added: the start of join-never-added, and as true of the node at that moment',
  },
];

const excused = (name: string, end: number, codes: string[]): boolean =>
  EXCUSED.some((e) => e.log.test(name) && (e.endsBy === undefined || end <= e.endsBy) && codes.every((c) => e.codes.includes(c)));

interface Window {
  from: number;
  size: number;
  variant: 'forward' | 'reversed' | 'untimed';
}

function windowsOf(count: number): Window[] {
  const out: Window[] = [];
  for (const size of SIZES) {
    if (size > count && size !== SIZES[0]) continue;
    const last = Math.max(0, count - size);
    const stride = Math.max(1, Math.ceil((last + 1) / MAX_WINDOWS));
    for (let from = 0; from <= last; from += stride) for (const variant of ['forward', 'reversed', 'untimed'] as const) out.push({ from, size, variant });
    if (last % stride !== 0) for (const variant of ['forward', 'reversed', 'untimed'] as const) out.push({ from: last, size, variant });
  }
  return out;
}

function cut(lines: string[], w: Window): string[] {
  const part = lines.slice(w.from, w.from + w.size);
  if (w.variant === 'reversed') return part.reverse();
  if (w.variant === 'untimed') return part.map(stripStamps);
  return part;
}

describe('windows of healthy logs', () => {
  const logs = healthyLogs();

  it('holds healthy logs to window', () => {
    expect(logs.length).toBeGreaterThan(40);
  });

  it('no window of a healthy log raises an alarm', { timeout: 120_000 }, async () => {
    const fired: string[] = [];
    for (const log of logs) {
      for (const w of windowsOf(log.lines.length)) {
        const alarms = await alarmsOf(log.file, cut(log.lines, w));
        const end = Math.min(w.from + w.size, log.lines.length);
        if (alarms.length > 0 && !excused(log.name, end, alarms)) fired.push(`${log.name} lines ${w.from + 1}-${end} ${w.variant}: ${[...new Set(alarms)].join(',')}`);
      }
    }
    expect(fired).toEqual([]);
  });
});
