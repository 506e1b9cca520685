// `npm run faults:enospc` (root only: mounts a tmpfs): a real full disk, no injector. A single node writes
// 64 KiB values into a 3 MiB tmpfs until the disk is full; it must stop with `storage failed` (ENOSPC),
// never acknowledge what it could not write, and after the tmpfs grows, restart with every acknowledged write.
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { killAll, spawnChronik, tempDir } from '../support/cluster.js';
import { http } from '../e2e/node-harness.js';
import { freePort } from '../support/ports.js';

if (process.getuid?.() !== 0) {
  process.stderr.write('Error: this check mounts a tmpfs and must run as root\n');
  process.exit(2);
}
const root = tempDir('enospc');
const mountPoint = join(root, 'disk');
mkdirSync(mountPoint);
execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
let failed = false;
try {
  const addr = `127.0.0.1:${await freePort('faults')}`;
  const args = ['bootstrap', '--listen', addr, '--data-dir', join(mountPoint, 'node-1')];
  const node = spawnChronik(args);
  await node.waitForLog(/became leader/);
  const value = 'x'.repeat(64 * 1024);
  const acknowledged: string[] = [];
  let refusal = '';
  for (let i = 0; i < 200; i++) {
    const answer = await http(addr, 'POST', '/v1/propose?timeout=3s', { key: `k${i}`, value }).catch((err: Error) => ({ status: 0, text: err.message }));
    if (answer.status !== 200) {
      refusal = `${answer.status} ${answer.text}`;
      break;
    }
    acknowledged.push(`k${i}`);
  }
  const exitCode = await node.exit;
  const reason = node.stderr.split('\n').find((line) => line.includes('storage failed')) ?? '(no storage failed line)';
  console.log(`disk full after ${acknowledged.length} acknowledged writes of 64 KiB; the next got: ${refusal.slice(0, 160)}`);
  console.log(`node exited with ${exitCode}: ${reason}`);
  if (exitCode !== 1 || !/ENOSPC/.test(reason)) failed = true;

  execFileSync('mount', ['-o', 'remount,size=64m', mountPoint]);
  const restarted = spawnChronik(args);
  await restarted.waitForLog(/became leader/);
  let lost = 0;
  for (const key of acknowledged) {
    const answer = await http(addr, 'GET', `/v1/kv/${key}`);
    if (answer.body.value !== value) lost++;
  }
  const torn = restarted.stderr.split('\n').find((line) => line.includes('wal tail truncated'));
  console.log(`space back: restarted, ${acknowledged.length} acknowledged writes checked, lost: ${lost}${torn ? `; ${torn.slice(torn.indexOf('wal tail'))}` : ''}`);
  const after = await http(addr, 'POST', '/v1/propose', { key: 'after', value: 'ok' });
  console.log(`a new write after recovery: ${after.status}`);
  if (lost > 0 || after.status !== 200) failed = true;
} finally {
  await killAll();
  execFileSync('umount', [mountPoint]);
  rmSync(root, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
