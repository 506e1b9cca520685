import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OperationError, UsageError } from '../../src/shared/errors.js';
import { resolveNodeConfig, type BootstrapFlags } from '../../src/node/node-config.js';

const dir = mkdtempSync(join(tmpdir(), 'chronik-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = (extra: Partial<BootstrapFlags> = {}): BootstrapFlags => ({ join: false, insecure: false, 'log-format': 'text', ...extra });

describe('resolveNodeConfig', () => {
  it('defaults to a single node on 127.0.0.1:9192 with data in ./chronik-data/node-1', () => {
    expect(resolveNodeConfig(flags(), {})).toEqual({
      nodeId: 1,
      listen: '127.0.0.1:9192',
      advertise: '127.0.0.1:9192',
      peers: [],
      join: false,
      dataDir: './chronik-data/node-1',
      cluster: 'chronik',
      tickMs: 100,
      electionTicks: 10,
      heartbeatTicks: 3,
      logFormat: 'text',
      snapshotEntries: 100_000,
      snapshotWalBytes: 64 * 1024 * 1024,
      snapshotTrailing: 5000,
      walSegmentBytes: 16 * 1024 * 1024,
    });
  });

  it('takes the snapshot triggers and trailing window from the environment, refusing bad values', () => {
    const env = { CHRONIK_SNAPSHOT_ENTRIES: '500', CHRONIK_SNAPSHOT_WAL_BYTES: '1048576', CHRONIK_SNAPSHOT_TRAILING: '0', CHRONIK_WAL_SEGMENT_BYTES: '65536' };
    const config = resolveNodeConfig(flags(), env);
    expect([config.snapshotEntries, config.snapshotWalBytes, config.snapshotTrailing, config.walSegmentBytes]).toEqual([500, 1048576, 0, 65536]);
    expect(() => resolveNodeConfig(flags(), { CHRONIK_SNAPSHOT_TRAILING: '-1' })).toThrow('invalid CHRONIK_SNAPSHOT_TRAILING "-1": expected a non-negative integer');
    expect(() => resolveNodeConfig(flags(), { CHRONIK_SNAPSHOT_WAL_BYTES: '0' })).toThrow('invalid CHRONIK_SNAPSHOT_WAL_BYTES "0": expected a positive integer');
  });

  it('takes address, peers, timing and token file from the cluster YAML', () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'tok\n');
    const file = join(dir, 'cluster.yaml');
    writeFileSync(
      file,
      ['cluster: prod', 'tick: 50ms', 'electionTicks: 20', `tokenFile: ${tokenFile}`, 'nodes:', '  - { id: 1, addr: 127.0.0.1:9301 }', '  - { id: 2, addr: 127.0.0.1:9302 }'].join('\n'),
    );
    const config = resolveNodeConfig(flags({ config: file, 'node-id': '2' }), {});
    expect(config).toMatchObject({
      nodeId: 2,
      listen: '127.0.0.1:9302',
      advertise: '127.0.0.1:9302',
      peers: [{ id: 1, addr: '127.0.0.1:9301' }],
      cluster: 'prod',
      tickMs: 50,
      electionTicks: 20,
      heartbeatTicks: 3,
      token: 'tok',
      dataDir: './chronik-data/node-2',
    });
    expect(() => resolveNodeConfig(flags({ config: file, 'node-id': '7' }), {})).toThrow(/node 7 is not among the nodes/);
  });

  it('reads the token from CHRONIK_TOKEN, and a token file wins over it', () => {
    expect(resolveNodeConfig(flags(), { CHRONIK_TOKEN: 'env-token' }).token).toBe('env-token');
    const tokenFile = join(dir, 'token2');
    writeFileSync(tokenFile, 'file-token');
    expect(resolveNodeConfig(flags({ 'token-file': tokenFile }), { CHRONIK_TOKEN: 'env-token' }).token).toBe('file-token');
    expect(() => resolveNodeConfig(flags({ 'token-file': join(dir, 'missing') }), {})).toThrow(UsageError);
  });

  it('refuses a non-loopback listen without a token (exit 1) unless --insecure', () => {
    const open = flags({ listen: '10.1.2.3:9192' });
    expect(() => resolveNodeConfig(open, {})).toThrow(OperationError);
    expect(resolveNodeConfig({ ...open, insecure: true }, {}).listen).toBe('10.1.2.3:9192');
    expect(resolveNodeConfig(open, { CHRONIK_TOKEN: 't' }).listen).toBe('10.1.2.3:9192');
  });

  it('rejects usage mistakes with exit 2', () => {
    for (const bad of [
      flags({ join: true, peers: '2@127.0.0.1:9193' }),
      flags({ listen: '0.0.0.0:9192', insecure: true }),
      flags({ 'election-ticks': 3, 'heartbeat-ticks': 3 }),
      flags({ peers: '1@127.0.0.1:9193' }),
      flags({ 'node-id': '0' }),
    ]) {
      expect(() => resolveNodeConfig(bad, {}), JSON.stringify(bad)).toThrow(UsageError);
    }
  });
});
