// Runs diagnose over every scenario in test/fixtures/diagnose (real etcd runs, and logs built from the
// raft-rs, TiKV, hashicorp and chronik templates) and holds it to each scenario's expected.json.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODES } from '../../src/diagnose/codes.js';
import { diagnose } from '../../src/diagnose/index.js';
import { SEVERITY_RANK, type Dialect, type Severity } from '../../src/diagnose/model.js';

const ROOT = join(import.meta.dirname, '../fixtures/diagnose');

interface Expected {
  healthy?: boolean;
  mustFind?: string[];
  mustNotFind?: string[];
  expectAtLeast?: Severity;
}

const scenarios = readdirSync(ROOT, { withFileTypes: true })
  .filter((e) => e.isDirectory() && existsSync(join(ROOT, e.name, 'expected.json')))
  .map((e) => e.name)
  .sort();

// Codes beyond SPEC.md's table that these scenarios show; expected.json leaves them to diagnose.
const ALSO_EXPECTED: Record<string, string[]> = {
  'etcd-capnslog-wiped-member': ['STATE_RESET'],
  'etcd-zap-wiped-member': ['STATE_RESET'],
  'etcd-capnslog-removed-member': ['REMOVED_MEMBER_DISRUPTING'],
  'etcd-zap-removed-member': ['REMOVED_MEMBER_DISRUPTING'],
  'vault-not-in-configuration': ['NOT_PROMOTABLE'],
  'consul-no-known-peers': ['NOT_PROMOTABLE'],
  'chronik-text-join-never-added': ['NOT_PROMOTABLE'],
  'slog-voter-mismatch': ['NODE_ISOLATED'],
  'etcd-capnslog-leader-stalls': ['HEARTBEAT_LATE'],
  'etcd-zap-leader-stalls': ['HEARTBEAT_LATE'],
};

// The dialect each scenario prefix must be detected as.
const DIALECT_OF_PREFIX: [string, Dialect][] = [
  ['etcd-zap-', 'etcd-zap'],
  ['etcd-capnslog-', 'etcd-capnslog'],
  ['chronik-text-', 'chronik-text'],
  ['chronik-real-text-', 'chronik-text'],
  ['chronik-real-json-', 'chronik-json'],
  ['chronik-json-', 'chronik-json'],
  ['tikv-json-', 'tikv'],
  ['tikv-', 'tikv'],
  ['tikv2-', 'tikv'],
  ['slog-json-', 'raft-rs'],
  ['slog-', 'raft-rs'],
  ['tracing-', 'rust-tracing'],
  ['raw-', 'rust-tracing'],
  ['consul-legacy-', 'hashicorp-legacy'],
  ['nomad-legacy-', 'hashicorp-legacy'],
  ['consul-json-', 'hashicorp-json'],
  ['nomad-json-', 'hashicorp-json'],
  ['vault-json-', 'hashicorp-json'],
  ['consul-', 'hashicorp-hclog'],
  ['nomad-', 'hashicorp-hclog'],
  ['vault-', 'hashicorp-hclog'],
];

describe('diagnose over the fixtures', () => {
  it('has scenarios to run', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(30);
  });

  const found = new Map<string, Set<string>>();
  const dialects = new Set<Dialect>();

  it.each(scenarios)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(join(ROOT, name, 'expected.json'), 'utf8')) as Expected;
    const report = await diagnose([join(ROOT, name)]);
    const codes = new Set(report.findings.map((f) => f.code));
    found.set(name, codes);
    const atWarning = report.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning).map((f) => f.code);

    const dialect = DIALECT_OF_PREFIX.find(([prefix]) => name.startsWith(prefix))?.[1];
    expect(dialect, `no dialect known for ${name}`).toBeDefined();
    for (const file of report.files) expect(file.dialect, file.path).toBe(dialect);
    dialects.add(dialect!);

    for (const code of [...(expected.mustFind ?? []), ...(ALSO_EXPECTED[name] ?? [])]) expect([...codes], `must find ${code}`).toContain(code);
    for (const code of expected.mustNotFind ?? []) expect([...codes], `must not find ${code}`).not.toContain(code);
    if (expected.healthy) expect(atWarning, 'healthy logs must yield nothing at warning or above').toEqual([]);
    if (expected.expectAtLeast) {
      const floor = SEVERITY_RANK[expected.expectAtLeast];
      expect(report.findings.some((f) => SEVERITY_RANK[f.severity] >= floor)).toBe(true);
    }
    for (const finding of report.findings) {
      expect(CODES).toHaveProperty(finding.code);
      expect(finding.nodes.length).toBeGreaterThan(0);
      expect(finding.evidence.length).toBeGreaterThan(0);
      expect(finding.evidence.length).toBeLessThanOrEqual(5);
      for (const e of finding.evidence) expect(e.file.startsWith(join(ROOT, name))).toBe(true);
    }
  });

  it('covers every dialect with at least one scenario, healthy and failing', () => {
    for (const dialect of ['etcd-zap', 'etcd-capnslog', 'chronik-text', 'chronik-json', 'tikv', 'raft-rs', 'rust-tracing', 'hashicorp-hclog', 'hashicorp-json', 'hashicorp-legacy'] as Dialect[]) {
      expect([...dialects], dialect).toContain(dialect);
    }
  });

  it("covers every SPEC.md code with a scenario that finds it", () => {
    const all = new Set([...found.values()].flatMap((codes) => [...codes]));
    for (const code of ['EMPTY_VOTERS', 'PEERS_NOT_VOTERS', 'STUCK_AT_TERM_0', 'NO_LEADER', 'DROPPED_PROPOSALS', 'QUORUM_LOST', 'SPLIT_BRAIN', 'VOTER_MISMATCH', 'ELECTION_STORM', 'MESSAGES_NOT_SENT', 'CLUSTER_ID_MISMATCH', 'PEER_UNREACHABLE']) {
      expect([...all], code).toContain(code);
    }
  });
});
