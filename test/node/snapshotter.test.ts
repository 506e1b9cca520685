// The background snapshot with real files: the key-value capture encodes the state as of its index while
// later entries are applied; the snapshotter writes, renames and compacts only between steps, drops its
// snapshot when a newer one from the leader was installed meanwhile (at any phase), and leaves no temp file.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeCommand, KvStore } from '../../src/node/kv.js';
import { Logger } from '../../src/node/logger.js';
import { readSnapshotFile, writeSnapshotFile } from '../../src/node/snapshot-file.js';
import { LOCAL_SNAPSHOT_TEMP, Snapshotter, type SnapshotSettings } from '../../src/node/snapshotter.js';
import { Wal } from '../../src/node/wal.js';
import { MemoryStorage } from '../../src/raft/index.js';
import type { Entry, Membership, Snapshot } from '../../src/raft/types.js';

const membership: Membership = { voters: [{ id: 1, addr: '127.0.0.1:9192' }], learners: [] };
const put = (index: number, key: string, value: string): Extract<Entry, { type: 'normal' }> => ({ type: 'normal', index, term: 2, data: encodeCommand({ op: 'put', key, value }) });

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'chronik-snapshotter-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('KvCapture', () => {
  it('encodes exactly the state at its index while keys are overwritten and added during the encoding', () => {
    const kv = new KvStore();
    let index = 0;
    for (let i = 0; i < 3000; i++) kv.apply(++index, put(index, `k${i}`, `value-${i}-${'x'.repeat(i % 97)}`).data);
    // Multi-byte keys and values, one over 128 bytes (a two-byte length): encoded as Writer.string does.
    kv.apply(++index, put(index, 'ключ-🔑', `значение-${'é'.repeat(200)}`).data);
    kv.apply(++index, put(index, '鍵', '値').data);
    const expected = kv.encode();
    const capture = kv.beginCapture();
    const pieces: Uint8Array[] = [];
    for (let round = 0; ; round++) {
      const piece = capture.encodeNext(2000);
      if (piece === undefined) break;
      pieces.push(piece);
      // Overwrite keys already encoded and keys still ahead (twice, so only the first old value counts), and add new ones.
      for (const key of ['ключ-🔑', `k${(round * 37) % 3000}`, `k${(round * 53 + 1500) % 3000}`, `k${(round * 53 + 1500) % 3000}`, `new${round}`]) {
        kv.apply(++index, put(index, key, `later-${round}`).data);
      }
    }
    capture.release();
    expect(Buffer.concat(pieces).equals(Buffer.from(expected))).toBe(true);
    const restored = new KvStore();
    restored.restore(Buffer.concat(pieces), 3002);
    expect(restored.size).toBe(3002);
    expect(restored.get('ключ-🔑')?.value).toBe(`значение-${'é'.repeat(200)}`);
    expect(restored.get('k1500')?.value).toBe(`value-1500-${'x'.repeat(1500 % 97)}`);
    expect(restored.get('new0')).toBeUndefined();
  });

  it('is unusable once the store is replaced by a restore (a snapshot from the leader)', () => {
    const kv = new KvStore();
    kv.apply(1, put(1, 'a', '1').data);
    const capture = kv.beginCapture();
    capture.encodeNext(100);
    kv.restore(new KvStore().encode(), 10);
    expect(capture.usable).toBe(false);
    expect(() => capture.encodeNext(100)).toThrow('the captured state was replaced');
  });
});

interface Rig {
  kv: KvStore;
  storage: MemoryStorage;
  wal: Wal;
  snapshotter: Snapshotter;
  logFile: string;
  /** Resolves at the snapshotter's next wake-up call. */
  woken(): Promise<void>;
  applyMore(count: number): Promise<void>;
  step(): void;
  /** step() and wait for the snapshotter's next wake-up (the write it started moved on). */
  stepAndWait(): Promise<void>;
}

const settings = (count: number, trailing = 0): SnapshotSettings => ({ snapshotEntries: count, snapshotWalBytes: 1 << 30, snapshotTrailing: trailing, walSegmentBytes: 4096 });

/** A node's storage with `count` applied puts, WAL segments of 4 KiB, and a snapshotter due at `count`. */
async function rig(count: number, trailing = 0): Promise<Rig> {
  const walDir = join(root, 'wal');
  Wal.create(walDir, [], { term: 2, vote: 1, commit: 0 });
  const { wal } = await Wal.open(walDir, { segmentBytes: 4096 });
  const kv = new KvStore();
  const storage = new MemoryStorage();
  const logFile = join(root, 'node.log');
  let wake: () => void = () => undefined;
  const snapshotter = new Snapshotter(root, settings(count, trailing), new Logger({ format: 'text', file: logFile }, 1), () => wake());
  let last = 0;
  const applyMore = async (n: number): Promise<void> => {
    const entries = Array.from({ length: n }, (_, i) => put(last + i + 1, `key-${(last + i) % 700}`, `v${last + i + 1}`));
    await wal.append(entries, { term: 2, vote: 1, commit: last + n });
    storage.append(entries);
    for (const entry of entries) kv.apply(entry.index, entry.data);
    last += n;
  };
  await applyMore(count);
  const woken = (): Promise<void> => new Promise((done) => (wake = done));
  const step = (): void => snapshotter.step(storage, wal, kv, membership);
  return {
    kv,
    storage,
    wal,
    snapshotter,
    logFile,
    woken,
    applyMore,
    step,
    stepAndWait: async () => {
      const next = woken();
      step();
      await next;
    },
  };
}

/** The leader's snapshot at `index` is on disk and in storage; the local one (index 1000) was dropped for `reason`. */
function expectLeaderSnapshotKept(r: Rig, index: number, reason: string): void {
  expect(readSnapshotFile(root)?.meta.index).toBe(index);
  expect(r.storage.snapshot().meta.index).toBe(index);
  expect(existsSync(join(root, LOCAL_SNAPSHOT_TEMP))).toBe(false);
  expect(readFileSync(r.logFile, 'utf8')).toContain(`snapshot abandoned node=1 index=1000 reason="${reason}"`);
}

/** The leader's snapshot at `index` as the runtime installs it: file, storage, state machine. */
function installFromLeader(r: Rig, index: number): Snapshot {
  const state = new KvStore();
  state.apply(index, put(index, 'from-leader', 'yes').data);
  const snapshot: Snapshot = { meta: { index, term: 3, membership }, data: state.encode() };
  writeSnapshotFile(root, snapshot);
  r.storage.applySnapshot(snapshot);
  r.kv.restore(snapshot.data, index);
  return snapshot;
}

describe('Snapshotter', () => {
  it('snapshots the state at its index while entries keep being applied; renames and compacts only in step()', async () => {
    const r = await rig(1000);
    const segmentsBefore = r.wal.bytes;
    const expected = r.kv.encode();
    let woken = r.woken();
    r.step();
    // Applied while the snapshot is encoded and written: not part of it.
    await r.applyMore(300);
    await woken;
    expect(existsSync(join(root, 'snapshot.bin'))).toBe(false);
    expect(r.storage.snapshot().meta.index).toBe(0);
    woken = r.woken();
    r.step();
    expect(readSnapshotFile(root)?.meta.index).toBe(1000);
    expect(r.storage.snapshot().meta.index).toBe(1000);
    expect(r.storage.firstIndex()).toBe(1001);
    await woken;
    r.step();
    const file = readSnapshotFile(root) as Snapshot;
    expect(file.meta).toEqual({ index: 1000, term: 2, membership });
    expect(Buffer.from(file.data).equals(Buffer.from(expected))).toBe(true);
    expect(r.wal.bytes).toBeLessThan(segmentsBefore);
    expect(existsSync(join(root, LOCAL_SNAPSHOT_TEMP))).toBe(false);
    expect(readFileSync(r.logFile, 'utf8')).toMatch(/INFO {2}snapshot taken node=1 index=1000 bytes=\d+ trigger=entries compacted_to=1000 segments_removed=[1-9]\d* wal_bytes=\d+ duration=\d+/);
  });

  it('drops its snapshot when one from the leader was installed while it was being encoded', async () => {
    const r = await rig(1000);
    const woken = r.woken();
    r.step();
    installFromLeader(r, 1500);
    await woken;
    r.step();
    expectLeaderSnapshotKept(r, 1500, 'a snapshot from the leader was installed');
  });

  it('drops its durable temp file when one from the leader was installed before it was renamed', async () => {
    const r = await rig(1000);
    await r.stepAndWait();
    expect(existsSync(join(root, LOCAL_SNAPSHOT_TEMP))).toBe(true);
    installFromLeader(r, 1200);
    r.step();
    expectLeaderSnapshotKept(r, 1200, 'a newer snapshot was installed');
  });

  it('close() abandons the write in flight: the previous snapshot.bin stays, the temp file goes', async () => {
    const r = await rig(1000);
    const previous: Snapshot = { meta: { index: 0, term: 0, membership }, data: new KvStore().encode() };
    writeSnapshotFile(root, previous);
    r.step();
    await r.snapshotter.close();
    expect(readFileSync(r.logFile, 'utf8')).toMatch(/snapshot abandoned node=1 index=1000 reason="the node is stopping"/);
    expect(readSnapshotFile(root)?.meta.index).toBe(0);
    expect(existsSync(join(root, LOCAL_SNAPSHOT_TEMP))).toBe(false);
    expect(r.storage.snapshot().meta.index).toBe(0);
  });

  it('a failed write is thrown from the next step(), as a storage failure, and leaves snapshot.bin alone', async () => {
    const r = await rig(1000);
    // The temp file's name taken by a directory: opening it for writing fails with EISDIR.
    mkdirSync(join(root, LOCAL_SNAPSHOT_TEMP));
    await r.stepAndWait();
    expect(() => r.step()).toThrow(/EISDIR/);
    expect(existsSync(join(root, 'snapshot.bin'))).toBe(false);
    expect(r.storage.snapshot().meta.index).toBe(0);
    expect(r.storage.firstIndex()).toBe(1);
  });

  it('a temp file left by a crash is removed when the snapshotter starts', async () => {
    const r = await rig(10);
    await r.stepAndWait();
    expect(existsSync(join(root, LOCAL_SNAPSHOT_TEMP))).toBe(true);
    new Snapshotter(root, settings(10), new Logger({ format: 'text', file: r.logFile }, 1), () => undefined);
    expect(existsSync(join(root, LOCAL_SNAPSHOT_TEMP))).toBe(false);
  });
});
