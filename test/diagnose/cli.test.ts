// Runs the built CLI the way an operator does: the seed incident of SPEC.md, exit codes, usage errors.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const RUN = join(import.meta.dirname, '../../bin/run.js');

export function chronik(args: string[], input?: string | Buffer): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [RUN, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

// The lines SPEC.md quotes from the chronik-server outage, as Rust tracing printed them.
const SEED = [
  '2026-11-20T10:00:00.100000Z  INFO chronik_server::raft: switched to configuration, config: Configuration { voters: Configuration { incoming: Configuration { voters: {} }, outgoing: Configuration { voters: {} } } }',
  '2026-11-20T10:00:00.101000Z  INFO chronik_server::raft: newRaft, peers: Configuration { incoming: Configuration { voters: {} }, outgoing: Configuration { voters: {} } }',
  '2026-11-20T10:00:30.102000Z  WARN chronik_server::server: Raft leader election did not complete within 30 seconds - metadata proposals may fail',
  '2026-11-20T10:00:31.000000Z  INFO chronik_server::raft: no leader at term 0; dropping proposal',
].join('\n');

const SEED_CODES = ['EMPTY_VOTERS', 'PEERS_NOT_VOTERS', 'STUCK_AT_TERM_0', 'DROPPED_PROPOSALS'];

describe('chronik diagnose (CLI)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'chronik-diagnose-'));
  const seedFile = join(dir, 'chronik-server.log');
  writeFileSync(seedFile, `${SEED}\n`);

  it('finds the seed incident in --json with exit 3', () => {
    const { status, stdout } = chronik(['diagnose', seedFile, '--json']);
    expect(status).toBe(3);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(['files', 'nodes', 'findings', 'unrecognised']);
    expect(report.unrecognised).toEqual({ count: 0, examples: [] });
    expect(report.files).toEqual([{ path: seedFile, dialect: 'rust-tracing', node: 'chronik-server', lines: 4 }]);
    const codes = report.findings.map((f: { code: string }) => f.code);
    for (const code of SEED_CODES) expect(codes).toContain(code);
    for (const finding of report.findings) {
      expect(Object.keys(finding)).toEqual(['code', 'severity', 'nodes', 'summary', 'count', 'firstSeen', 'lastSeen', 'evidence', 'remediation']);
      expect(finding.evidence.length).toBeGreaterThan(0);
      expect(finding.evidence.length).toBeLessThanOrEqual(5);
    }
  });

  it('finds the seed incident in human output with exit 3', () => {
    const { status, stdout } = chronik(['diagnose', seedFile]);
    expect(status).toBe(3);
    for (const code of SEED_CODES) expect(stdout).toContain(code);
    expect(stdout).toContain(`${seedFile}:4:`);
    expect(stdout).toContain('Timeline per node');
  });

  it('finds the seed lines exactly as SPEC.md prints them (no timestamps, indented), from stdin', () => {
    const bare = SEED.split('\n').map((l) => `    ${l.replace(/^\S+\s+(\w+) \S+: /, '$1 ')}`).join('\n');
    const { status, stdout } = chronik(['diagnose', '-', '--json'], `${bare}\n`);
    expect(status).toBe(3);
    const codes = JSON.parse(stdout).findings.map((f: { code: string }) => f.code);
    for (const code of SEED_CODES) expect(codes).toContain(code);
  });

  it('finds the seed incident in UTF-16 from stdin (PowerShell redirects write it)', () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${SEED.replace(/\n/g, '\r\n')}\r\n`, 'utf16le')]);
    const { status, stdout } = chronik(['diagnose', '-', '--json'], utf16);
    expect(status).toBe(3);
    const codes = JSON.parse(stdout).findings.map((f: { code: string }) => f.code);
    for (const code of SEED_CODES) expect(codes).toContain(code);
  });

  it('reads gzip files and directories recursively', () => {
    const nested = join(dir, 'nested', 'deeper');
    spawnSync('mkdir', ['-p', nested]);
    writeFileSync(join(nested, 'node-1.log.1.gz'), gzipSync(`${SEED}\n`));
    const { status, stdout } = chronik(['diagnose', join(dir, 'nested'), '--json']);
    expect(status).toBe(3);
    const report = JSON.parse(stdout);
    expect(report.files[0].node).toBe('node-1');
    expect(report.findings.map((f: { code: string }) => f.code)).toContain('EMPTY_VOTERS');
  });

  it('exits 0 on a healthy chronik log', () => {
    const healthy = join(dir, 'healthy.log');
    writeFileSync(
      healthy,
      [
        '2026-11-26T04:52:50.000Z INFO  node starting node=1 listen=127.0.0.1:9192 voters=[1,2,3] fresh=true',
        '2026-11-26T04:52:50.001Z INFO  became follower node=1 term=0 leader=0',
        '2026-11-26T04:52:51.000Z INFO  starting election node=1 term=0 pre_vote=true voters=[1,2,3]',
        '2026-11-26T04:52:51.001Z INFO  became pre-candidate node=1 term=0',
        '2026-11-26T04:52:51.010Z INFO  became candidate node=1 term=1',
        '2026-11-26T04:52:51.020Z INFO  became leader node=1 term=1',
      ].join('\n') + '\n',
    );
    const { status, stdout } = chronik(['diagnose', healthy, '--json']);
    expect(JSON.parse(stdout).findings).toEqual([]);
    expect(status).toBe(0);
  });

  it('exits 2 with one line for a missing path', () => {
    const { status, stdout, stderr } = chronik(['diagnose', join(dir, 'missing.log')]);
    expect(status).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')[0]).toMatch(/^Error: cannot read .*missing\.log: no such file or directory$/);
    expect(stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('exits 2 saying so when the only path is empty', () => {
    const { status, stderr } = chronik(['diagnose', '']);
    expect(status).toBe(2);
    expect(stderr.trim().split('\n')[0]).toBe('Error: the path given is empty');
  });

  it('rejects a bad --since as a usage error', () => {
    const { status, stderr } = chronik(['diagnose', seedFile, '--since', 'yesterday-ish']);
    expect(status).toBe(2);
    expect(stderr).toMatch(/^Error: invalid --since/);
  });

  it('--until before the incident hides it (exit 0)', () => {
    const { status, stdout } = chronik(['diagnose', seedFile, '--json', '--until', '2026-11-20T09:00:00Z']);
    expect(status).toBe(0);
    expect(JSON.parse(stdout).findings).toEqual([]);
  });
});

describe('chronik diagnose documentation', () => {
  it('has a runbook for every code, listed in the runbook index', async () => {
    const { CODES } = await import('../../src/diagnose/codes.js');
    const { readFileSync } = await import('node:fs');
    const docs = join(import.meta.dirname, '../../docs/runbooks');
    const index = readFileSync(join(docs, 'README.md'), 'utf8');
    for (const code of Object.keys(CODES)) {
      const page = readFileSync(join(docs, `${code}.md`), 'utf8');
      for (const section of ['## What it means', '## How to confirm', '## What to do', '## What not to do']) expect(page, `${code}: ${section}`).toContain(section);
      expect(index).toContain(`[${code}.md](${code}.md)`);
      expect(CODES[code as keyof typeof CODES].remediation).toContain(`docs/runbooks/${code}.md`);
    }
  });

  it('--help shows usage and examples', () => {
    const { status, stdout } = chronik(['diagnose', '--help']);
    expect(status).toBe(0);
    expect(stdout).toContain('--min-severity');
    expect(stdout).toContain('EXAMPLES');
    expect(stdout).toMatch(/diagnose .*--since 2h/);
  });
});
