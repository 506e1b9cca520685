// The follower's side of a streamed snapshot, on a real directory: chunks in order build the file, a chunk
// at the wrong offset is answered with the offset to resume from, a damaged file is never delivered, and
// the delivered snapshot is adopted as snapshot.bin by rename.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readSnapshotFile, writeSnapshotFile } from '../../src/node/snapshot-file.js';
import { SnapshotReceiver, type ChunkHeaders } from '../../src/node/snapshot-stream.js';
import type { Message, Snapshot } from '../../src/raft/types.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chronik-stream-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function leaderFile(): { snapshot: Snapshot; bytes: Buffer } {
  const data = new Uint8Array(300_000).map((_, i) => (i * 7) % 251);
  const snapshot: Snapshot = { meta: { index: 500, term: 3, membership: { voters: [{ id: 1, addr: '127.0.0.1:1' }], learners: [] } }, data };
  const dir = mkdtempSync(join(root, 'leader-'));
  writeSnapshotFile(dir, snapshot);
  return { snapshot, bytes: readFileSync(join(dir, 'snapshot.bin')) };
}

const headers = (offset: number, total: number): ChunkHeaders => ({ from: 1, fromAddr: '127.0.0.1:1', clusterId: '0123456789abcdef', term: 4, index: 500, snapshotTerm: 3, offset, total });

describe('SnapshotReceiver', () => {
  it('resumes at its own offset, delivers the verified snapshot once, and adopts it by rename', () => {
    const dir = mkdtempSync(join(root, 'follower-'));
    const { snapshot, bytes } = leaderFile();
    const delivered: Message[] = [];
    const receiver = new SnapshotReceiver(dir, (m) => delivered.push(m));
    const chunk = 100_000;
    expect(receiver.receive(headers(0, bytes.length), bytes.subarray(0, chunk), 2)).toEqual({ status: 200, offset: chunk, done: false });
    // A sender that lost the answer (dropped connection) and starts over is told where to continue.
    expect(receiver.receive(headers(0, bytes.length), bytes.subarray(0, chunk), 2)).toEqual({ status: 409, offset: chunk, done: false });
    expect(receiver.receive(headers(2 * chunk, bytes.length), bytes.subarray(2 * chunk), 2)).toEqual({ status: 409, offset: chunk, done: false });
    expect(receiver.receive(headers(chunk, bytes.length), bytes.subarray(chunk, 2 * chunk), 2).offset).toBe(2 * chunk);
    expect(delivered).toEqual([]);
    expect(receiver.receive(headers(2 * chunk, bytes.length), bytes.subarray(2 * chunk), 2)).toEqual({ status: 200, offset: bytes.length, done: true });
    expect(delivered).toEqual([{ type: 'snapshot', from: 1, to: 2, term: 4, snapshot }]);
    expect(receiver.adopt(snapshot)).toBe(true);
    expect(readSnapshotFile(dir)).toEqual(snapshot);
    expect(existsSync(join(dir, 'snapshot.recv.bin'))).toBe(false);
    receiver.close();
  });

  it('refuses a damaged file without delivering it, and starts a newer snapshot from offset 0 only', () => {
    const dir = mkdtempSync(join(root, 'follower-'));
    const { bytes } = leaderFile();
    const delivered: Message[] = [];
    const receiver = new SnapshotReceiver(dir, (m) => delivered.push(m));
    const damaged = Buffer.from(bytes);
    damaged.writeUInt8(damaged.readUInt8(damaged.length - 10) ^ 0xff, damaged.length - 10);
    expect(() => receiver.receive(headers(0, damaged.length), damaged, 2)).toThrow(/checksum/);
    expect(delivered).toEqual([]);
    expect(existsSync(join(dir, 'snapshot.recv.bin'))).toBe(false);
    receiver.receive(headers(0, bytes.length), bytes.subarray(0, 10), 2);
    expect(receiver.receive({ ...headers(10, bytes.length), index: 600 }, bytes.subarray(10, 20), 2)).toEqual({ status: 409, offset: 0, done: false });
    expect(() => receiver.receive(headers(10, 12), bytes.subarray(10, 20), 2)).toThrow(/past the declared size/);
    receiver.close();
  });

  it('removes a part file left by a crash when the node starts again', () => {
    const dir = mkdtempSync(join(root, 'follower-'));
    const { bytes } = leaderFile();
    const first = new SnapshotReceiver(dir, () => undefined);
    first.receive(headers(0, bytes.length), bytes.subarray(0, 1000), 2);
    first.close();
    expect(existsSync(join(dir, 'snapshot.part'))).toBe(true);
    new SnapshotReceiver(dir, () => undefined).close();
    expect(existsSync(join(dir, 'snapshot.part'))).toBe(false);
  });
});
