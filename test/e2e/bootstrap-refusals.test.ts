// `chronik bootstrap` refusals with their exit codes, and WAL damage on restart: a torn tail is repaired,
// a corrupted record refuses start naming file and offset. A refused start leaves no data dir behind.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAll, recordsEnd, removeDir, spawnChronik, tempDir } from '../support/cluster.js';
import { freePort } from '../support/ports.js';
import { eventually, http } from './node-harness.js';

const root = tempDir('refusals');

afterAll(async () => {
  await killAll();
  removeDir(root);
});

describe('chronik bootstrap refuses to start', { timeout: 90_000 }, () => {
  // Each malformed-peers rule is unit-tested in test/cli; these show the exit code through a real process.
  it.each([
    ['a bad peer id', 'x@127.0.0.1:20001', /invalid peer id/],
    ['its own id among the peers', '1@127.0.0.1:20001', /own id 1/],
    ['a bad port', '2@127.0.0.1:70000', /port must be between/],
  ])('with exit 2 on %s', async (_what, peers, message) => {
    const dataDir = join(root, `peers-${Math.random().toString(36).slice(2)}`);
    const node = spawnChronik(['bootstrap', '--listen', '127.0.0.1:20000', '--data-dir', dataDir, '--peers', peers]);
    expect(await node.exit).toBe(2);
    expect(node.stderr).toMatch(/^Error: /);
    expect(node.stderr).toMatch(message);
    expect(node.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(dataDir)).toBe(false);
  });

  it('with exit 1 on a non-loopback --listen without a token', async () => {
    const port = await freePort('e2e');
    const dataDir = join(root, 'insecure');
    const node = spawnChronik(['bootstrap', '--listen', `0.0.0.0:${port}`, '--advertise', `127.0.0.1:${port}`, '--data-dir', dataDir]);
    expect(await node.exit).toBe(1);
    expect(node.stderr).toMatch(/Error: refusing to listen on 0\.0\.0\.0:\d+ without a token/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('with exit 1 when the port is in use, leaving no data dir', async () => {
    const port = await freePort('e2e');
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(port, '127.0.0.1', done));
    try {
      const dataDir = join(root, 'port-in-use');
      const node = spawnChronik(['bootstrap', '--listen', `127.0.0.1:${port}`, '--data-dir', dataDir]);
      expect(await node.exit).toBe(1);
      expect(node.stderr).toMatch(/Error: cannot listen on 127\.0\.0\.1:\d+: port in use/);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      blocker.close();
    }
  });
});

describe('chronik bootstrap and its data dir', { timeout: 90_000 }, () => {
  const dataDir = join(root, 'node-1');
  let addr = '';
  let args: string[] = [];

  it('refuses a second process on a held data dir with exit 1', async () => {
    addr = `127.0.0.1:${await freePort('e2e')}`;
    args = ['bootstrap', '--listen', addr, '--data-dir', dataDir];
    const first = spawnChronik(args);
    await first.waitForLog(/became leader/);
    expect((await http(addr, 'POST', '/v1/propose', { key: 'a', value: '1' })).status).toBe(200);

    const second = spawnChronik(['bootstrap', '--listen', `127.0.0.1:${await freePort('e2e')}`, '--data-dir', dataDir]);
    expect(await second.exit).toBe(1);
    expect(second.stderr).toMatch(new RegExp(`Error: data dir .*node-1 is in use by process ${first.proc.pid}`));
    expect((await http(addr, 'GET', '/v1/kv/a')).body.value).toBe('1'); // the first node is untouched

    first.proc.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });

  it('refuses another node id on this data dir, and a directory that is not a chronik data dir', async () => {
    const wrongId = spawnChronik(['bootstrap', '--node-id', '2', '--listen', addr, '--data-dir', dataDir]);
    expect(await wrongId.exit).toBe(1);
    expect(wrongId.stderr).toMatch(/Error: data dir .*node-1 belongs to node 1, not node 2/);

    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'not ours');
    const refused = spawnChronik(['bootstrap', '--listen', addr, '--data-dir', foreign]);
    expect(await refused.exit).toBe(1);
    expect(refused.stderr).toMatch(/Error: .*foreign exists but is not a chronik data dir/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
  });

  it('repairs a torn final record with a warning and keeps every acknowledged write', async () => {
    const walDir = join(dataDir, 'wal');
    const segment = join(walDir, readdirSync(walDir).sort().at(-1) as string);
    // The node wrote zeros ahead of its last record; the torn write lands where the records end.
    const bytes = readFileSync(segment);
    const end = recordsEnd(bytes);
    Buffer.from([200, 0, 0, 0, 9, 9, 9, 9, 1, 2]).copy(bytes, end); // a header promising 200 bytes, 2 written
    writeFileSync(segment, bytes);

    const node = spawnChronik(args);
    const warning = await node.waitForLog(/WARN {2}wal tail truncated/);
    expect(warning).toContain(`file=${segment}`);
    expect(warning).toContain(`offset=${end} bytes=${bytes.length - end}`);
    await node.waitForLog(/became leader/);
    const value = await eventually(async () => {
      const answer = await http(addr, 'GET', '/v1/kv/a');
      return answer.status === 200 ? answer.body.value : undefined;
    });
    expect(value).toBe('1');
    node.proc.kill('SIGTERM');
    expect(await node.exit).toBe(0);
  });

  it('refuses a corrupted record with exit 1, naming file and offset', async () => {
    const walDir = join(dataDir, 'wal');
    const segment = join(walDir, readdirSync(walDir).sort()[0] as string);
    const bytes = readFileSync(segment);
    bytes[12] = (bytes[12] as number) ^ 0x5a; // inside the first record, with more records after it
    writeFileSync(segment, bytes);

    const node = spawnChronik(args);
    expect(await node.exit).toBe(1);
    expect(node.stderr).toContain(`Error: storage corrupt: ${segment} at offset 0: checksum mismatch`);
    expect(node.stderr).toMatch(/Hint: .*remove-voter/);
    expect(node.stderr).toMatch(/ERROR storage corrupt node=1 .*offset=0 reason="checksum mismatch"/);
  });
});
