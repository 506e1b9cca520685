// The data dir: its layout, atomic creation of a fresh one, opening an existing one under the lock, and
// the offline reader `readDataDir` used by `status --data-dir` and `diagnose`.
//
//   meta.json        node id, cluster, format (written once, atomically)
//   membership.json  voters and learners with addresses as of the last applied conf change (a readable
//                    checkpoint; the log is authoritative and the node recomputes it on start)
//   snapshot.bin     the state machine and membership as of one index (the log before it may be gone)
//   wal/             segment files: entries, hard states, snapshot marks
//   LOCK             pid of the running node
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Entry, HardState, Membership, Snapshot } from '../raft/types.js';
import { StorageCorruptError } from './errors.js';
import { fsyncDir, writeFileAtomic } from './fsutil.js';
import { DataDirLock, lockHolder } from './lock.js';
import { membershipAt } from './membership.js';
import { readSnapshotFile } from './snapshot-file.js';
import { scanWal, Wal, type TornTail, type WalContents, type WalOptions } from './wal.js';

const FORMAT = 1;
const META_FILE = 'meta.json';
const MEMBERSHIP_FILE = 'membership.json';
const WAL_DIR = 'wal';

export interface DataDirMeta {
  format: number;
  nodeId: number;
  cluster: string;
  createdAt: string;
}

export type DataDirState = 'absent' | 'empty' | 'initialized' | 'foreign';

/** absent/empty dirs can be initialized; a non-empty dir without meta.json is not ours to touch. */
export function dataDirState(dir: string): DataDirState {
  if (!existsSync(dir)) return 'absent';
  if (existsSync(join(dir, META_FILE))) return 'initialized';
  return readdirSync(dir).length === 0 ? 'empty' : 'foreign';
}

/**
 * Builds a fresh data dir next to its final place and renames it into place, so a refused or crashed
 * start never leaves a half-made data dir. Returns false when another process created it first.
 */
export function createDataDir(dir: string, meta: Omit<DataDirMeta, 'format' | 'createdAt'>, entries: readonly Entry[], hardState: HardState): boolean {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  removeStaleInitDirs(target);
  const staging = `${target}.init-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  try {
    const full: DataDirMeta = { format: FORMAT, ...meta, createdAt: new Date().toISOString() };
    writeFileAtomic(join(staging, META_FILE), `${JSON.stringify(full, null, 2)}\n`);
    const { membership, index } = membershipAt(entries, hardState.commit);
    writeFileAtomic(join(staging, MEMBERSHIP_FILE), membershipJson(membership, index));
    Wal.create(join(staging, WAL_DIR), entries, hardState);
    fsyncDir(staging);
    try {
      renameSync(staging, target); // replaces an absent or empty directory atomically
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw err;
    }
    fsyncDir(parent);
    return true;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function removeStaleInitDirs(target: string): void {
  const prefix = `${basename(target)}.init-`;
  for (const name of readdirSync(dirname(target))) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    let alive: boolean;
    try {
      process.kill(pid, 0);
      alive = pid !== process.pid;
    } catch {
      alive = false;
    }
    if (!alive) rmSync(join(dirname(target), name), { recursive: true, force: true });
  }
}

function membershipJson(membership: Membership, index: number): string {
  return `${JSON.stringify({ index, voters: membership.voters, learners: membership.learners }, null, 2)}\n`;
}

function readMeta(dir: string): DataDirMeta {
  const file = join(dir, META_FILE);
  let meta: Partial<DataDirMeta>;
  try {
    meta = JSON.parse(readFileSync(file, 'utf8')) as Partial<DataDirMeta>;
  } catch (err) {
    throw new StorageCorruptError(file, 0, `unreadable: ${(err as Error).message}`);
  }
  if (meta.format !== FORMAT || typeof meta.nodeId !== 'number' || typeof meta.cluster !== 'string') {
    throw new StorageCorruptError(file, 0, `unsupported or incomplete metadata (format ${String(meta.format)})`);
  }
  return meta as DataDirMeta;
}

/** An opened, locked data dir: the replayed log and an appendable WAL. */
export interface OpenDataDir {
  meta: DataDirMeta;
  wal: Wal;
  /** The latest snapshot; the WAL's entries continue from its index. */
  snapshot: Snapshot | undefined;
  contents: WalContents;
  lock: DataDirLock;
  /** Rewrites membership.json after a conf change is applied. */
  saveMembership(membership: Membership, index: number): void;
  close(): Promise<void>;
}

/** Locks and opens an initialized data dir; on any failure the lock is released again. */
export async function openDataDir(dir: string, walOptions: WalOptions): Promise<OpenDataDir> {
  const lock = DataDirLock.acquire(dir);
  try {
    const meta = readMeta(dir);
    const snapshot = readSnapshotFile(dir);
    const { wal, contents } = await Wal.open(join(dir, WAL_DIR), walOptions, snapshot?.meta);
    return {
      meta,
      wal,
      snapshot,
      contents,
      lock,
      saveMembership: (membership, index) => writeFileAtomic(join(dir, MEMBERSHIP_FILE), membershipJson(membership, index)),
      close: async () => {
        await wal.close();
        lock.release();
      },
    };
  } catch (err) {
    lock.release();
    throw err;
  }
}

export interface DataDirSummary {
  dir: string;
  nodeId: number;
  cluster: string;
  createdAt: string;
  term: number;
  vote: number;
  commit: number;
  lastIndex: number;
  lastTerm: number;
  /** The state machine is restored from the snapshot and the committed log replayed, so this equals commit. */
  applied: number;
  /** Index of the latest snapshot (0: none); the log before it may have been deleted. */
  snapshotIndex: number;
  voters: { id: number; addr: string }[];
  learners: { id: number; addr: string }[];
  /** Index of the conf change that produced this membership (0: none committed). */
  membershipIndex: number;
  walBytes: number;
  walSegments: number;
  /** A torn final record a restart would truncate (not an error: it was never acknowledged). */
  tornTail?: TornTail;
  /** pid of the live node holding the data dir, if any. */
  lockedBy?: number;
}

/**
 * Reads a data dir without starting a node: no lock is taken or removed and nothing is repaired, so it is
 * safe on a running node's dir (the answer is then a moment's snapshot). Throws StorageCorruptError.
 */
export function readDataDir(dir: string): DataDirSummary {
  const state = dataDirState(dir);
  if (state !== 'initialized') {
    throw new StorageCorruptError(dir, 0, state === 'absent' ? 'no such directory' : 'not a chronik data dir (no meta.json)');
  }
  const meta = readMeta(dir);
  const snapshot = readSnapshotFile(dir);
  const contents = scanWal(join(dir, WAL_DIR), false, snapshot?.meta);
  const commit = Math.max(contents.hardState.commit, contents.base);
  const { membership, index } = membershipAt(contents.entries, commit, snapshot?.meta);
  const last = contents.entries.at(-1);
  const lockedBy = lockHolder(dir);
  return {
    dir: resolve(dir),
    nodeId: meta.nodeId,
    cluster: meta.cluster,
    createdAt: meta.createdAt,
    term: contents.hardState.term,
    vote: contents.hardState.vote,
    commit,
    lastIndex: last?.index ?? contents.base,
    lastTerm: last?.term ?? snapshot?.meta.term ?? 0,
    applied: commit,
    snapshotIndex: contents.base,
    voters: membership.voters,
    learners: membership.learners,
    membershipIndex: index,
    walBytes: contents.bytes,
    walSegments: contents.segments.length,
    ...(contents.tornTail ? { tornTail: contents.tornTail } : {}),
    ...(lockedBy !== undefined ? { lockedBy } : {}),
  };
}
