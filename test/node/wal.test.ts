import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDataDir, dataDirState, openDataDir, readDataDir } from '../../src/node/datadir.js';
import { DataDirLockedError, StorageCorruptError } from '../../src/node/errors.js';
import { DataDirLock } from '../../src/node/lock.js';
import { frameSnapshot, readSnapshotFile, writeSnapshotFile } from '../../src/node/snapshot-file.js';
import { scanWal, Wal } from '../../src/node/wal.js';
import type { Entry } from '../../src/raft/types.js';

const text = new TextEncoder();
const normal = (index: number, term: number, data = `v${index}`): Entry => ({ type: 'normal', index, term, data: text.encode(data) });
const bootstrap: Entry[] = [
  { type: 'conf-change', index: 1, term: 1, change: { type: 'add-voter', id: 1, addr: '127.0.0.1:9192' } },
  { type: 'conf-change', index: 2, term: 1, change: { type: 'add-voter', id: 2, addr: '127.0.0.1:9193' } },
];

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chronik-wal-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('Wal', () => {
  it('replays appends, later appends overwriting a suffix, and the last hard state', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal } = await Wal.open(dir);
    await wal.append([normal(3, 2), normal(4, 2), normal(5, 2)], { term: 2, vote: 1, commit: 3 });
    await wal.append([normal(4, 3, 'replaced')], { term: 3, vote: 2, commit: 4 });
    await wal.close();
    const contents = scanWal(dir, false);
    expect(contents.entries.map((e) => [e.index, e.term])).toEqual([[1, 1], [2, 1], [3, 2], [4, 3]]);
    const fourth = contents.entries[3];
    expect(fourth?.type === 'normal' && new TextDecoder().decode(fourth.data)).toBe('replaced');
    expect(contents.hardState).toEqual({ term: 3, vote: 2, commit: 4 });
    expect(contents.tornTail).toBeUndefined();
  });

  it('rolls over to a new segment, ending the full one at its last record, and replays across segments', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal } = await Wal.open(dir, { segmentBytes: 200 });
    for (let i = 3; i < 40; i++) await wal.append([normal(i, 1, 'x'.repeat(30))], { term: 1, vote: 0, commit: i });
    await wal.close();
    const contents = scanWal(dir, false);
    expect(contents.segments.length).toBeGreaterThan(3);
    // No zeros left in a segment that is not the last: each ends where its records end.
    contents.segments.slice(0, -1).forEach((name, i) => expect(statSync(join(dir, name)).size).toBe(contents.segmentEnds[i]));
    expect(contents.entries.length).toBe(39);
    expect(contents.hardState.commit).toBe(39);
  });

  it('truncates a torn final record with repair, and only reports it without', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal, contents: before } = await Wal.open(dir);
    await wal.append([normal(3, 1)], { term: 1, vote: 0, commit: 3 });
    await wal.close();
    const segment = join(dir, before.segments[0] as string);
    // The records end where the WAL wrote its zeros from: cut those, as a file written before them was.
    const goodSize = scanWal(dir, false).bytes;
    truncateSync(segment, goodSize);
    appendFileSync(segment, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 5, 6])); // header promises 40 bytes, 2 arrive

    expect(scanWal(dir, false).tornTail).toEqual({ file: segment, offset: goodSize, bytes: 10 });
    expect(statSync(segment).size).toBe(goodSize + 10);
    const repaired = scanWal(dir, true);
    expect(repaired.tornTail?.offset).toBe(goodSize);
    expect(statSync(segment).size).toBe(goodSize);
    expect(repaired.entries.length).toBe(3);
  });

  it('keeps zeros ahead of the last record, which replay reads as the end of the log', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal, contents } = await Wal.open(dir);
    await wal.append([normal(3, 1)], { term: 1, vote: 0, commit: 3 });
    await wal.append([normal(4, 1)], { term: 1, vote: 0, commit: 4 });
    await wal.close();
    const segment = join(dir, contents.segments[0] as string);
    const scanned = scanWal(dir, true);
    expect(statSync(segment).size).toBeGreaterThan(scanned.bytes);
    expect(allZeroFrom(readFileSync(segment), scanned.bytes)).toBe(true);
    expect(scanned.tornTail).toBeUndefined();
    expect(scanned.entries.map((e) => e.index)).toEqual([1, 2, 3, 4]);
    // Reopened, the WAL goes on writing at the last record, over the zeros.
    const again = await Wal.open(dir);
    await again.wal.append([normal(5, 1)], { term: 1, vote: 0, commit: 5 });
    await again.wal.close();
    expect(scanWal(dir, false).entries.map((e) => e.index)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reads a record torn inside the zeros ahead as a torn tail, and repairs it', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal, contents } = await Wal.open(dir);
    await wal.append([normal(3, 1)], { term: 1, vote: 0, commit: 3 });
    await wal.close();
    const segment = join(dir, contents.segments[0] as string);
    const end = scanWal(dir, false).bytes;
    const fd = openSync(segment, 'r+');
    writeSync(fd, Buffer.from([40, 0, 0, 0, 1, 2, 3, 4, 5, 6]), 0, 10, end); // header promises 40 bytes, 2 arrive
    closeSync(fd);
    expect(scanWal(dir, false).tornTail).toMatchObject({ file: segment, offset: end });
    const repaired = scanWal(dir, true);
    expect(repaired.entries.length).toBe(3);
    expect(statSync(segment).size).toBe(end);
  });

  it('recovers a prefix of the log whatever byte the last write was cut at', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal, contents } = await Wal.open(dir);
    await wal.append([normal(3, 2), normal(4, 2)], { term: 2, vote: 1, commit: 3 });
    const before = scanWal(dir, false).bytes;
    await wal.append([normal(5, 2, 'last'), normal(6, 2)], { term: 2, vote: 1, commit: 5 });
    await wal.close();
    const segment = join(dir, contents.segments[0] as string);
    const full = readFileSync(segment).subarray(0, scanWal(dir, false).bytes);
    for (let cut = before; cut < full.length; cut++) {
      writeFileSync(segment, full.subarray(0, cut));
      const recovered = scanWal(dir, true);
      expect(statSync(segment).size, `cut at ${cut}`).toBeLessThanOrEqual(cut);
      expect(recovered.entries.map((e) => e.index).slice(0, 4)).toEqual([1, 2, 3, 4]);
      expect([4, 6]).toContain(recovered.entries.length);
      expect(recovered.hardState.commit).toBeLessThanOrEqual(recovered.entries.length);
    }
  });

  it('reads zeros after the last record as its end, a damaged record before zeros as torn, but zeros followed by data as corruption', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const segment = join(dir, scanWal(dir, false).segments[0] as string);
    const good = readFileSync(segment);
    // Any number of zeros, down to fewer than a record header (a segment filled to its limit but for a few bytes).
    for (const zeros of [4096, 7, 1]) {
      writeFileSync(segment, Buffer.concat([good, Buffer.alloc(zeros)]));
      expect(scanWal(dir, true).tornTail, `${zeros} zeros`).toBeUndefined();
      expect(statSync(segment).size).toBe(good.length + zeros);
    }
    const torn = Buffer.concat([good, Buffer.alloc(4096)]);
    torn.writeUInt32LE(100, good.length); // a header whose payload never arrived
    writeFileSync(segment, torn);
    expect(scanWal(dir, true).tornTail).toMatchObject({ offset: good.length, bytes: 4096 });
    expect(statSync(segment).size).toBe(good.length);
    writeFileSync(segment, Buffer.concat([Buffer.alloc(16), good]));
    expect(() => scanWal(dir, true)).toThrow(/impossible record length 0/);
  });

  it('refuses a checksum mismatch before the tail with file and offset', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal, contents } = await Wal.open(dir);
    await wal.append([normal(3, 1, 'payload')], { term: 1, vote: 0, commit: 3 });
    await wal.close();
    const segment = join(dir, contents.segments[0] as string);
    const bytes = readFileSync(segment);
    bytes[10] = (bytes[10] as number) ^ 0xff; // inside the first record's payload
    writeFileSync(segment, bytes);
    let error: unknown;
    try {
      scanWal(dir, true);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(StorageCorruptError);
    expect((error as StorageCorruptError).file).toBe(segment);
    expect((error as StorageCorruptError).offset).toBe(0);
    expect((error as StorageCorruptError).reason).toBe('checksum mismatch');
    expect(statSync(segment).size).toBe(bytes.length); // nothing was cut off
  });
});

describe('Wal with snapshots', () => {
  it('continues the log after a snapshot mark, discarding what came before it', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal } = await Wal.open(dir);
    await wal.append([normal(3, 1), normal(4, 1), normal(5, 1)], { term: 1, vote: 0, commit: 2 }); // 4, 5 are stale
    await wal.append([normal(101, 3)], { term: 3, vote: 0, commit: 101 }, { index: 100, term: 3 });
    await wal.close();
    const replayed = scanWal(dir, false, { index: 100, term: 3 });
    expect(replayed.base).toBe(100);
    expect(replayed.entries.map((e) => e.index)).toEqual([101]);
  });

  it('drops a log that disagrees with the snapshot at its index when the mark never made it to disk', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal } = await Wal.open(dir);
    await wal.append([normal(3, 1), normal(4, 1)], { term: 1, vote: 0, commit: 2 });
    await wal.close();
    expect(scanWal(dir, false, { index: 3, term: 2 }).entries).toEqual([]);
    expect(scanWal(dir, false, { index: 3, term: 1 }).entries.map((e) => e.index)).toEqual([4]);
  });

  it('deletes only whole old segments covered by the snapshot, keeping the newest hard state', async () => {
    const dir = join(root, 'wal');
    Wal.create(dir, bootstrap, { term: 1, vote: 0, commit: 2 });
    const { wal } = await Wal.open(dir, { segmentBytes: 120 });
    for (let i = 3; i <= 30; i++) await wal.append([normal(i, 2, 'y'.repeat(40))], i === 3 ? { term: 2, vote: 1, commit: 2 } : undefined);
    const before = scanWal(dir, false).segments.length;
    const removed = wal.removeSegmentsThrough(20);
    await wal.close();
    const after = scanWal(dir, false, { index: 20, term: 2 });
    expect(removed).toBeGreaterThan(0);
    expect(after.segments.length).toBe(before - removed);
    expect(after.entries.map((e) => e.index)).toEqual(Array.from({ length: 10 }, (_, i) => 21 + i));
    expect(after.hardState).toEqual({ term: 2, vote: 1, commit: 2 }); // carried into every new segment
    expect(after.bytes).toBe(after.segments.reduce((sum, name) => sum + statSync(join(dir, name)).size, 0));
  });

  it('round-trips the snapshot file and refuses a damaged one', () => {
    const snapshot = { meta: { index: 7, term: 2, membership: { voters: [{ id: 1, addr: 'a:1' }], learners: [] } }, data: new Uint8Array([1, 2, 3]) };
    writeSnapshotFile(root, snapshot);
    expect(readSnapshotFile(root)).toEqual(snapshot);
    const path = join(root, 'snapshot.bin');
    const bytes = readFileSync(path);
    bytes[bytes.length - 1] = 9;
    writeFileSync(path, bytes);
    expect(() => readSnapshotFile(root)).toThrow(/snapshot checksum mismatch/);
  });

  it('frames the same file from data in pieces (as the background snapshotter does), and only the announced length', () => {
    const meta = { index: 9, term: 3, membership: { voters: [{ id: 1, addr: 'a:1' }], learners: [{ id: 2, addr: 'b:2' }] } };
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) % 256);
    writeSnapshotFile(root, { meta, data });
    const pieces = [data.subarray(0, 1), data.subarray(1, 500), data.subarray(500, 500), data.subarray(500)];
    const steps = frameSnapshot(meta, pieces, data.length);
    const copied: number[] = [];
    let step = steps.next();
    for (; step.done !== true; step = steps.next()) copied.push(step.value);
    expect(copied).toEqual([1, 499, 0, 500]);
    expect(step.value.file).toEqual(readFileSync(join(root, 'snapshot.bin')));
    expect(step.value.file.subarray(step.value.dataOffset)).toEqual(Buffer.from(data));
    expect(() => [...frameSnapshot(meta, [data], data.length + 1)]).toThrow(/shorter than announced/);
    expect(() => [...frameSnapshot(meta, [data], data.length - 1)]).toThrow(/longer than announced/);
  });
});

describe('data dir', () => {
  it('is created atomically, locked against a second opener, and readable offline', async () => {
    const dir = join(root, 'node-1');
    expect(dataDirState(dir)).toBe('absent');
    expect(createDataDir(dir, { nodeId: 1, cluster: 'c' }, bootstrap, { term: 1, vote: 0, commit: 2 })).toBe(true);
    expect(dataDirState(dir)).toBe('initialized');
    const opened = await openDataDir(dir, {});
    expect(() => DataDirLock.acquire(dir)).not.toThrow(); // our own pid: treated as stale, re-taken
    writeFileSync(join(dir, 'LOCK'), `${process.ppid}\n`); // a live node process
    await expect(openDataDir(dir, {})).rejects.toBeInstanceOf(DataDirLockedError);
    const summary = readDataDir(dir);
    expect(summary).toMatchObject({ nodeId: 1, cluster: 'c', term: 1, commit: 2, lastIndex: 2, applied: 2, lockedBy: process.ppid });
    expect(summary.voters).toEqual([
      { id: 1, addr: '127.0.0.1:9192' },
      { id: 2, addr: '127.0.0.1:9193' },
    ]);
    await opened.close();
  });

  it('takes over a lock left by a dead process', async () => {
    const dir = join(root, 'node-1');
    createDataDir(dir, { nodeId: 1, cluster: 'c' }, bootstrap, { term: 1, vote: 0, commit: 2 });
    writeFileSync(join(dir, 'LOCK'), '999999999\n');
    const opened = await openDataDir(dir, {});
    expect(readFileSync(join(dir, 'LOCK'), 'utf8').trim()).toBe(String(process.pid));
    await opened.close();
  });
});

function allZeroFrom(bytes: Buffer, from: number): boolean {
  return bytes.subarray(from).every((byte) => byte === 0);
}
