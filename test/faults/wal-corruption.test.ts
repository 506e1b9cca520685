// Bit flips at random offsets of a WAL (entries and hard states live there) and of a snapshot file: replay either refuses with the
// file and the damaged record's offset, or, only when the flip is in the final record, reports a torn tail
// and keeps everything before it. Never a shorter log without a word, never different data.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageCorruptError } from '../../src/node/errors.js';
import { readSnapshotFile, writeSnapshotFile } from '../../src/node/snapshot-file.js';
import { scanWal, Wal, type WalContents } from '../../src/node/wal.js';
import type { Entry } from '../../src/raft/types.js';

const text = new TextEncoder();
const normal = (index: number, term: number): Entry => ({ type: 'normal', index, term, data: text.encode(`value-${index}-${'x'.repeat(index % 7)}`) });

let root: string;
let golden: WalContents;
let segment: Buffer;
let segmentName: string;
/** Start offsets of every record in the segment. */
const recordStarts: number[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'chronik-walflip-'));
  const dir = join(root, 'golden');
  Wal.create(dir, [{ type: 'conf-change', index: 1, term: 1, change: { type: 'add-voter', id: 1, addr: '127.0.0.1:40000' } }], { term: 1, vote: 0, commit: 1 });
  const { wal } = await Wal.open(dir);
  for (let i = 2; i <= 40; i++) await wal.append([normal(i, 2)], { term: 2, vote: 1, commit: i });
  await wal.close();
  golden = scanWal(dir, false);
  segmentName = golden.segments[0] as string;
  // The records only: the zeros the WAL keeps ahead of them are flipped in their own test below.
  segment = readFileSync(join(dir, segmentName)).subarray(0, golden.bytes);
  for (let offset = 0; offset < segment.length; offset += 8 + segment.readUInt32LE(offset)) recordStarts.push(offset);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Replays a copy of the golden segment with one bit flipped (without repair: it only reports a torn tail). */
function replayFlipped(bit: number): WalContents | StorageCorruptError {
  const dir = join(root, 'flipped');
  mkdirSync(dir, { recursive: true });
  const damaged = Buffer.from(segment);
  damaged[bit >> 3] = (damaged[bit >> 3] as number) ^ (1 << (bit & 7));
  writeFileSync(join(dir, segmentName), damaged);
  try {
    return scanWal(dir, false);
  } catch (err) {
    if (err instanceof StorageCorruptError) return err;
    throw err;
  }
}

function recordOf(byte: number): number {
  return recordStarts.filter((start) => start <= byte).at(-1) as number;
}

function checkFlip(bit: number): void {
  const byte = bit >> 3;
  const record = recordOf(byte);
  const outcome = replayFlipped(bit);
  const where = `bit ${bit} (byte ${byte}, record at ${record})`;
  if (outcome instanceof StorageCorruptError) {
    expect(outcome.file, where).toContain(segmentName);
    expect(outcome.offset, where).toBe(record);
    expect(outcome.message, where).toMatch(new RegExp(`storage corrupt: .*${segmentName} at offset ${record}: `));
    return;
  }
  // Accepted: only as a torn final record, with everything before it intact.
  expect(record, `${where} was accepted as ${outcome.tornTail ? `a torn tail at ${outcome.tornTail.offset}` : 'intact'}`).toBe(recordStarts.at(-1));
  expect(outcome.tornTail?.offset, where).toBe(record);
  expect(outcome.entries, where).toEqual(golden.entries);
  expect(outcome.hardState.commit, where).toBe(golden.hardState.commit - 1);
}

describe('WAL bit flips', () => {
  it('in the length field of every record: refused at that record, or a torn tail only for the last', () => {
    for (const start of recordStarts) for (const bit of [0, 5, 13, 22, 31]) checkFlip(start * 8 + bit);
  });

  it('at 300 random offsets: refused with file and offset, or a torn tail only for the last record', () => {
    for (let trial = 0; trial < 300; trial++) checkFlip(Math.floor(Math.random() * segment.length * 8));
  });

  it('in the zeros ahead of the last record: a torn tail at the end of the records, nothing lost', () => {
    const dir = join(root, 'zeros-ahead');
    mkdirSync(dir, { recursive: true });
    const withZeros = readFileSync(join(root, 'golden', segmentName));
    expect(withZeros.length).toBeGreaterThan(segment.length);
    for (const at of [segment.length, segment.length + 3, segment.length + 100, withZeros.length - 1]) {
      const damaged = Buffer.from(withZeros);
      damaged[at] = 0x40;
      writeFileSync(join(dir, segmentName), damaged);
      const outcome = scanWal(dir, false);
      expect(outcome.tornTail?.offset, `byte ${at}`).toBe(segment.length);
      expect(outcome.entries, `byte ${at}`).toEqual(golden.entries);
      expect(outcome.hardState, `byte ${at}`).toEqual(golden.hardState);
    }
  });

  it('in a segment that is not the last: always refused', () => {
    const dir = join(root, 'two-segments');
    mkdirSync(dir);
    const damaged = Buffer.from(segment);
    const last = recordStarts.at(-1) as number;
    damaged[last + 9] = (damaged[last + 9] as number) ^ 1;
    writeFileSync(join(dir, segmentName), damaged);
    copyFileSync(join(root, 'golden', segmentName), join(dir, '0000000000000002.wal'));
    expect(() => scanWal(dir, false)).toThrow(new RegExp(`${segmentName} at offset ${last}: checksum mismatch`));
  });
});

describe('snapshot.bin bit flips', () => {
  it('at every byte of a small snapshot: refused naming the file, never read as other data', () => {
    const dir = join(root, 'snapshot');
    mkdirSync(dir);
    const data = text.encode(JSON.stringify({ a: 'alpha', b: 'beta', c: 'x'.repeat(100) }));
    writeSnapshotFile(dir, { meta: { index: 40, term: 2, membership: { voters: [{ id: 1, addr: '127.0.0.1:40000' }], learners: [] } }, data });
    const file = join(dir, 'snapshot.bin');
    const pristine = readFileSync(file);
    expect(readSnapshotFile(dir)?.data).toEqual(data);
    for (let byte = 0; byte < pristine.length; byte++) {
      const damaged = Buffer.from(pristine);
      damaged[byte] = (damaged[byte] as number) ^ (1 << (byte % 8));
      writeFileSync(file, damaged);
      expect(() => readSnapshotFile(dir), `byte ${byte}`).toThrow(StorageCorruptError);
      expect(() => readSnapshotFile(dir), `byte ${byte}`).toThrow(/storage corrupt: \S*snapshot\.bin at offset \d+: /);
    }
    writeFileSync(file, pristine.subarray(0, pristine.length - 1));
    expect(() => readSnapshotFile(dir)).toThrow(/snapshot length \d+ does not match the file size/);
  });
});
