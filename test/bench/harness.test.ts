// The benchmark harness's arithmetic and its reading of real node --cpu-prof output.
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, median, percentile } from '../../bench/lib/stats.js';
import { summarizeProfile } from '../../bench/lib/profile.js';
import { freePorts } from '../support/ports.js';
import { cpuMs } from '../../bench/lib/cpu.js';

describe('percentile', () => {
  it('uses the nearest rank, so p99 of 100 samples is the 99th value', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 0.5)).toBe(50);
    expect(percentile(values, 0.99)).toBe(99);
    expect(percentile(values, 1)).toBe(100);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
  });

  it('median averages the middle pair of an even count and does not reorder its input', () => {
    const input = [4, 1, 3, 2];
    expect(median(input)).toBe(2.5);
    expect(input).toEqual([4, 1, 3, 2]);
    expect(median([5, 1, 9])).toBe(5);
  });
});

describe('markdownTable', () => {
  it('pads every column to its widest cell', () => {
    expect(markdownTable(['a', 'bbb'], [['1234', 'x']])).toBe(
      ['| a    | bbb |', '|------|-----|', '| 1234 | x   |'].join('\n'),
    );
  });
});

describe('freePorts', () => {
  it('hands out distinct ports inside the bench range', async () => {
    const ports = await freePorts(6, 'bench');
    expect(new Set(ports).size).toBe(6);
    for (const port of ports) expect(port >= 35000 && port <= 39999).toBe(true);
  });
});

describe('summarizeProfile', () => {
  it('names the function that burned the CPU in a real node --cpu-prof file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chronik-bench-profile-test-'));
    try {
      const script = 'function spinForAWhile(){const end=Date.now()+300;let x=0;while(Date.now()<end)x+=Math.sqrt(x+1);return x}spinForAWhile();';
      execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '-e', script]);
      const [file] = readdirSync(dir);
      const summary = summarizeProfile(join(dir, file!));
      expect(summary.busyMs).toBeGreaterThan(150);
      expect(summary.topSelf[0]?.name).toMatch(/^spinForAWhile /);
      expect(summary.topSelf[0]!.percentOfBusy).toBeGreaterThan(50);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('cpuMs', () => {
  it('reads a live process CPU time from /proc and null for a pid that does not exist', () => {
    const end = Date.now() + 200;
    let spin = 0;
    while (Date.now() < end) spin += Math.sqrt(spin + 1);
    expect(spin).toBeGreaterThan(0);
    expect(cpuMs(process.pid)).toBeGreaterThanOrEqual(100);
    expect(cpuMs(2 ** 22 + 12345)).toBeNull();
    expect(cpuMs(undefined)).toBeNull();
  });
});
