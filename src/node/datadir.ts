// The data dir: its layout, atomic creation of a fresh one, opening an existing one under the lock, and
// the offline reader `readDataDir` used by `status --data-dir` and `diagnose`.
//
//   meta.json        node id, cluster name and ID, initial voters, token fingerprint, format (written
//                    atomically: at creation, and once more when a joining node adopts its cluster ID)
//   membership.json  voters and learners with addresses as of the last applied conf change (a readable
//                    checkpoint; the log is authoritative and the node recomputes it on start)
//   snapshot.bin     the state machine and membership as of one index (the log before it may be gone)
//   wal/             segment files: entries, hard states, snapshot marks
//   LOCK             pid of the running node
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { BOOTSTRAP_TERM } from '../raft/index.js';
import type { Entry, HardState, Membership, Snapshot } from '../raft/types.js';
import { StorageCorruptError } from './errors.js';
import { deriveClusterId } from './cluster-id.js';
import { fsyncDir, writeFileAtomic } from './fsutil.js';
import { DataDirLock, lockHolder } from './lock.js';
import { membershipAt } from './membership.js';
import { readSnapshotFile } from './snapshot-file.js';
import { scanWal, Wal, type TornTail, type WalContents, type WalOptions } from './wal.js';

/** Format 2 added the cluster ID; a format-1 data dir is read, and upgraded when a node opens it. */
const FORMAT = 2;
const META_FILE = 'meta.json';
const MEMBERSHIP_FILE = 'membership.json';
const WAL_DIR = 'wal';

export interface DataDirMeta {
  format: number;
  nodeId: number;
  cluster: string;
  /** Absent only while a joining node has not heard from the leader that adds it. */
  clusterId?: string;
  /** The voters this data dir was bootstrapped with; absent for a joining node. */
  initialVoters?: { id: number; addr: string }[];
  /** Fingerprint of the --cluster-token it was bootstrapped with, if any (the token itself is never stored). */
  tokenFingerprint?: string;
  createdAt: string;
}

/** What createDataDir is told; the format and the creation time are its own. */
export type NewDataDirMeta = Omit<DataDirMeta, 'format' | 'createdAt'>;

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
export function createDataDir(dir: string, meta: NewDataDirMeta, entries: readonly Entry[], hardState: HardState): boolean {
  const target = resolve(dir);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  removeStaleInitDirs(target);
  const staging = `${target}.init-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { mode: 0o700 });
  try {
    writeMeta(staging, { format: FORMAT, ...meta, createdAt: new Date().toISOString() });
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
  const known = meta.format === FORMAT || meta.format === 1;
  if (!known || typeof meta.nodeId !== 'number' || typeof meta.cluster !== 'string') {
    throw new StorageCorruptError(file, 0, `unsupported or incomplete metadata (format ${String(meta.format)})`);
  }
  if (meta.clusterId !== undefined && !/^[0-9a-f]{16}$/.test(meta.clusterId)) {
    throw new StorageCorruptError(file, 0, `malformed clusterId "${String(meta.clusterId)}"`);
  }
  return meta as DataDirMeta;
}

/**
 * A format-1 data dir predates cluster IDs: its ID is derived as a fresh bootstrap would, from the bootstrap
 * entries still at the start of its log (a data dir whose log was compacted past them, or a joined node's,
 * gets none and adopts its leader's like a joining node).
 */
function withLegacyIdentity(meta: DataDirMeta, entries: readonly Entry[], base: number): DataDirMeta {
  if (meta.format !== 1) return meta;
  const initial: { id: number; addr: string }[] = [];
  if (base === 0) {
    for (const entry of entries) {
      if (entry.index !== initial.length + 1 || entry.term !== BOOTSTRAP_TERM || entry.type !== 'conf-change' || entry.change.type !== 'add-voter') break;
      initial.push({ id: entry.change.id, addr: entry.change.addr });
    }
  }
  if (initial.length === 0) return { ...meta, format: FORMAT };
  return { ...meta, format: FORMAT, clusterId: deriveClusterId(meta.cluster, initial), initialVoters: initial };
}

function writeMeta(dir: string, meta: DataDirMeta): void {
  writeFileAtomic(join(dir, META_FILE), `${JSON.stringify(meta, null, 2)}\n`);
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
  /** Records the cluster ID a joining node adopted (durably, before the message that carried it is stepped). */
  saveClusterId(clusterId: string): void;
  close(): Promise<void>;
}

/** Locks and opens an initialized data dir; on any failure the lock is released again. */
export async function openDataDir(dir: string, walOptions: WalOptions): Promise<OpenDataDir> {
  const lock = DataDirLock.acquire(dir);
  try {
    const stored = readMeta(dir);
    const snapshot = readSnapshotFile(dir);
    const { wal, contents } = await Wal.open(join(dir, WAL_DIR), walOptions, snapshot?.meta);
    const meta = withLegacyIdentity(stored, contents.entries, contents.base);
    if (meta !== stored) writeMeta(dir, meta);
    return {
      meta,
      wal,
      snapshot,
      contents,
      lock,
      saveMembership: (membership, index) => writeFileAtomic(join(dir, MEMBERSHIP_FILE), membershipJson(membership, index)),
      saveClusterId(clusterId) {
        if (meta.clusterId !== undefined) throw new Error(`data dir ${dir} already belongs to cluster ${meta.clusterId}`);
        meta.clusterId = clusterId;
        writeMeta(dir, meta);
      },
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
  /** null while a joining node has not adopted its leader's ID. */
  clusterId: string | null;
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
  const snapshot = readSnapshotFile(dir);
  const contents = scanWal(join(dir, WAL_DIR), false, snapshot?.meta);
  const meta = withLegacyIdentity(readMeta(dir), contents.entries, contents.base);
  const commit = Math.max(contents.hardState.commit, contents.base);
  const { membership, index } = membershipAt(contents.entries, commit, snapshot?.meta);
  const last = contents.entries.at(-1);
  const lockedBy = lockHolder(dir);
  return {
    dir: resolve(dir),
    nodeId: meta.nodeId,
    cluster: meta.cluster,
    clusterId: meta.clusterId ?? null,
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
