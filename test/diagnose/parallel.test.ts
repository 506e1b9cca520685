// The built CLI scans several files on worker threads; its report must be exactly the sequential one
// (diagnose() run in-process from the TypeScript sources, where no compiled worker exists).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diagnose } from '../../src/diagnose/index.js';
import { parallelScanAvailable } from '../../src/diagnose/parallel.js';

const RUN = join(import.meta.dirname, '../../bin/run.js');
const FIXTURES = join(import.meta.dirname, '../fixtures/diagnose');
// Every fixture dir (many dialects, mostly several files each), and a few of them alone.
const DIRS = readdirSync(FIXTURES, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => join(FIXTURES, e.name));
const SINGLES = ['chronik-json-real-leaderless', 'consul-voter-mismatch', 'etcd-capnslog-quorum-lost'].map((d) => [join(FIXTURES, d)]);

describe('diagnose on worker threads', () => {
  it('runs sequentially in-process (no compiled worker next to the sources)', () => {
    expect(parallelScanAvailable(3)).toBe(false);
  });

  it('gives the same report as the sequential scan, for all fixtures at once and one by one', async () => {
    for (const paths of [DIRS, ...SINGLES]) {
      const sequential = await diagnose(paths);
      expect(sequential.files.length).toBeGreaterThan(paths.length === 1 ? 0 : 100);
      const { stdout } = spawnSync(process.execPath, [RUN, 'diagnose', '--json', ...paths], { encoding: 'utf8', maxBuffer: 1 << 28 });
      expect(JSON.parse(stdout)).toEqual(JSON.parse(JSON.stringify(sequential)));
    }
  });
});
