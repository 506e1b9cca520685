// A stopped etcd member's data dir read without etcd: the WAL segments (member/wal/*.wal: 8-byte
// length frames, protobuf records, a CRC-32C chain across them), the newest raft snapshot
// (member/snap/*.snap), giving the member's term, vote, commit, last index and term, and its voters.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { OperationError, UsageError } from '../../shared/errors.js';
import { etcdId } from './etcd.js';
import { decode, type ConfChange, type ConfChangeV2, type HardState, type RaftEntry, type RaftSnapshot, type WalRecord } from './etcd-proto.js';

const METADATA = 1;
const ENTRY = 2;
const STATE = 3;
const CRC = 4;
const SNAPSHOT = 5;
const ENTRY_CONF_CHANGE = 1;
const ENTRY_CONF_CHANGE_V2 = 2;
const ADD_NODE = 0;
const REMOVE_NODE = 1;
const ADD_LEARNER = 3;

export interface EtcdMemberInfo {
  id: string;
  name?: string;
  peerURLs?: string[];
  clientURLs?: string[];
}

export interface EtcdDataDir {
  dir: string;
  memberId: string;
  clusterId: string;
  term: number;
  vote: string;
  commit: number;
  lastIndex: number;
  lastTerm: number;
  snapshotIndex: number;
  voters: string[];
  learners: string[];
  members: EtcdMemberInfo[];
  walFiles: number;
  /** A damaged final record (a crash mid-write): etcd repairs it on start. */
  tornTail?: { file: string; offset: number };
}

export function isEtcdDataDir(dir: string): boolean {
  return existsSync(join(dir, 'member', 'wal'));
}

const CASTAGNOLI = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C continued from `crc` over `bytes`, as etcd chains it through its WAL. */
export function crc32c(crc: number, bytes: Uint8Array): number {
  let c = ~crc >>> 0;
  for (const byte of bytes) c = (CASTAGNOLI[(c ^ byte) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}

export function readEtcdDataDir(dir: string): EtcdDataDir {
  if (!existsSync(dir)) throw new UsageError(`data dir ${dir} does not exist`);
  const walDir = join(dir, 'member', 'wal');
  if (!existsSync(walDir)) throw new UsageError(`${dir} is not an etcd data dir (no member/wal)`);
  const files = readdirSync(walDir).filter((f) => /^[0-9a-f]{16}-[0-9a-f]{16}\.wal$/.test(f)).sort();
  if (files.length === 0) throw new UsageError(`${walDir} holds no WAL file`);
  const snapshot = newestSnapshot(join(dir, 'member', 'snap'));
  let memberId = '';
  let clusterId = '';
  let hardState: HardState = { term: '0', vote: '0', commit: '0' };
  let base = snapshot ? Number(snapshot.metadata.index) : 0;
  let baseTerm = snapshot ? Number(snapshot.metadata.term) : 0;
  let entries: RaftEntry[] = [];
  let crc = 0;
  let tornTail: EtcdDataDir['tornTail'];
  const known = new Map<string, EtcdMemberInfo>();
  files.forEach((file, fileIndex) => {
    const path = join(walDir, file);
    const bytes = readFileSync(path);
    let offset = 0;
    while (offset + 8 <= bytes.length) {
      const frame = bytes.readBigUInt64LE(offset);
      if (frame === 0n) break; // the preallocated, never-written rest of the segment
      const length = Number(frame & 0x00ffffffffffffffn);
      const padding = frame >> 63n === 1n ? Number((frame >> 56n) & 0x7n) : 0;
      const end = offset + 8 + length;
      const last = fileIndex === files.length - 1;
      if (end > bytes.length) {
        if (last) tornTail = { file: path, offset };
        else throw new OperationError(`etcd WAL ${path} is cut short at offset ${offset}`);
        break;
      }
      let record: WalRecord;
      try {
        record = decode<WalRecord>('walpb.Record', bytes.subarray(offset + 8, end));
      } catch (err) {
        if (last && zeroFrom(bytes, end)) {
          tornTail = { file: path, offset };
          break;
        }
        throw new OperationError(`etcd WAL ${path} has an undecodable record at offset ${offset}: ${(err as Error).message}`);
      }
      const type = Number(record.type);
      if (type === CRC) {
        if (crc !== 0 && record.crc !== crc) throw new OperationError(`etcd WAL ${path}: the CRC chain breaks at offset ${offset} (${record.crc} carried over, ${crc} computed)`);
        crc = record.crc;
      } else {
        crc = crc32c(crc, record.data);
        if (record.crc !== crc) {
          // Only a damaged final write (nothing written after it) is a crash's torn tail; anything else is corruption.
          if (last && zeroFrom(bytes, end + padding)) {
            tornTail = { file: path, offset };
            break;
          }
          throw new OperationError(`etcd WAL ${path}: record at offset ${offset} fails its CRC`);
        }
        if (type === METADATA) {
          const meta = decode<{ NodeID: string; ClusterID: string }>('etcdserverpb.Metadata', record.data);
          memberId = etcdId(meta.NodeID);
          clusterId = etcdId(meta.ClusterID);
        } else if (type === STATE) {
          hardState = decode<HardState>('raftpb.HardState', record.data);
        } else if (type === SNAPSHOT) {
          const mark = decode<{ index: string; term: string }>('walpb.Snapshot', record.data);
          if (Number(mark.index) > base) {
            base = Number(mark.index);
            baseTerm = Number(mark.term);
            entries = [];
          }
        } else if (type === ENTRY) {
          const entry = decode<RaftEntry>('raftpb.Entry', record.data);
          const index = Number(entry.Index);
          // Names and peer URLs live in the conf changes' contexts: kept even from entries a snapshot covers.
          if (entry.Type === ENTRY_CONF_CHANGE || entry.Type === ENTRY_CONF_CHANGE_V2) for (const change of confChanges(entry)) learnMember(known, change);
          else learnAttributes(known, entry.Data);
          if (index > base) {
            // A rewritten index replaces that entry and everything after it, as raft overwrote them.
            entries = entries.slice(0, Math.max(0, index - base - 1));
            entries.push(entry);
          }
        }
      }
      offset = end + padding;
    }
  });
  const commit = Number(hardState.commit);
  const membership = membershipOf(snapshot, entries, commit, known);
  const last = entries.at(-1);
  return {
    dir: resolve(dir),
    memberId,
    clusterId,
    term: Number(hardState.term),
    vote: etcdId(hardState.vote),
    commit,
    lastIndex: last ? Number(last.Index) : base,
    lastTerm: last ? Number(last.Term) : baseTerm,
    snapshotIndex: snapshot ? Number(snapshot.metadata.index) : 0,
    ...membership,
    walFiles: files.length,
    ...(tornTail ? { tornTail } : {}),
  };
}

/** The client URLs a member published (etcd 3.4: a v2 PUT request entry); other entries are skipped. */
function learnAttributes(known: Map<string, EtcdMemberInfo>, data: Buffer): void {
  if (data.length === 0 || !data.includes('/attributes')) return;
  try {
    const request = decode<{ Method: string; Path: string; Val: string }>('etcdserverpb.Request', data);
    const id = /^\/0\/members\/([0-9a-f]+)\/attributes$/.exec(request.Path)?.[1];
    if (request.Method !== 'PUT' || id === undefined) return;
    const attributes = JSON.parse(request.Val) as { name?: string; clientURLs?: string[] };
    const member = known.get(id) ?? { id };
    known.set(id, { ...member, ...(attributes.name ? { name: attributes.name } : {}), ...(attributes.clientURLs ? { clientURLs: attributes.clientURLs } : {}) });
  } catch {
    // not a member attributes request
  }
}

function zeroFrom(bytes: Buffer, from: number): boolean {
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

function newestSnapshot(snapDir: string): RaftSnapshot | undefined {
  if (!existsSync(snapDir)) return undefined;
  const files = readdirSync(snapDir).filter((f) => /^[0-9a-f]{16}-[0-9a-f]{16}\.snap$/.test(f)).sort();
  const file = files.at(-1);
  if (file === undefined) return undefined;
  const outer = decode<{ crc: number; data: Buffer }>('snappb.Snapshot', readFileSync(join(snapDir, file)));
  return decode<RaftSnapshot>('raftpb.Snapshot', outer.data);
}

interface Change {
  type: number;
  id: string;
  context?: Buffer;
}

function confChanges(entry: RaftEntry): Change[] {
  if (entry.Type === ENTRY_CONF_CHANGE) {
    const cc = decode<ConfChange>('raftpb.ConfChange', entry.Data);
    return [{ type: cc.Type, id: etcdId(cc.NodeID), context: cc.Context }];
  }
  const cc = decode<ConfChangeV2>('raftpb.ConfChangeV2', entry.Data);
  return cc.changes.map((single) => ({ type: single.Type, id: etcdId(single.NodeID), context: cc.context }));
}

/** etcd puts the member's JSON (name, peer URLs) in the context of the change that adds it. */
function learnMember(known: Map<string, EtcdMemberInfo>, change: Change): void {
  if (change.type === REMOVE_NODE || !change.context || change.context.length === 0) return;
  try {
    const member = JSON.parse(change.context.toString('utf8')) as { name?: string; peerURLs?: string[] };
    known.set(change.id, { ...known.get(change.id), id: change.id, ...(member.name ? { name: member.name } : {}), ...(member.peerURLs ? { peerURLs: member.peerURLs } : {}) });
  } catch {
    // a context that is not etcd's member JSON names nobody
  }
}

/** The voters as of the commit index: the snapshot's, then every committed conf change after it. */
function membershipOf(snapshot: RaftSnapshot | undefined, entries: RaftEntry[], commit: number, known: Map<string, EtcdMemberInfo>): Pick<EtcdDataDir, 'voters' | 'learners' | 'members'> {
  const voters = new Set((snapshot?.metadata.conf_state.voters ?? []).map(etcdId));
  const learners = new Set((snapshot?.metadata.conf_state.learners ?? []).map(etcdId));
  for (const entry of entries) {
    if (Number(entry.Index) > commit) break;
    if (entry.Type !== ENTRY_CONF_CHANGE && entry.Type !== ENTRY_CONF_CHANGE_V2) continue;
    for (const { type, id } of confChanges(entry)) {
      if (type === ADD_NODE) {
        learners.delete(id);
        voters.add(id);
      } else if (type === ADD_LEARNER) {
        voters.delete(id);
        learners.add(id);
      } else if (type === REMOVE_NODE) {
        voters.delete(id);
        learners.delete(id);
      }
    }
  }
  const ids = [...voters, ...learners].sort();
  return { voters: [...voters].sort(), learners: [...learners].sort(), members: ids.map((id) => known.get(id) ?? { id }) };
}

export interface EtcdOfflineReport {
  kind: 'etcd';
  clusterId: string;
  healthy: boolean;
  dataDir: string;
  id: string;
  name?: string;
  term: number;
  vote: string | null;
  commitIndex: number;
  lastIndex: number;
  lastTerm: number;
  snapshotIndex: number;
  voters: string[];
  learners: string[];
  members: EtcdMemberInfo[];
  walFiles: number;
  problems: { code: string; message: string }[];
}

/** `status --data-dir` on an etcd member: its disk state, judged as chronik judges its own. */
export function etcdOfflineStatus(dir: string): EtcdOfflineReport {
  const data = readEtcdDataDir(dir);
  const problems: EtcdOfflineReport['problems'] = [];
  const self = data.members.find((m) => m.id === data.memberId);
  if (data.voters.length === 0) {
    problems.push({ code: 'EMPTY_VOTERS', message: `member ${data.memberId} has no voters on disk: started this way it can never elect a leader` });
  } else if (!data.voters.includes(data.memberId) && !data.learners.includes(data.memberId)) {
    problems.push({ code: 'NOT_A_MEMBER', message: `member ${data.memberId} is not in its own committed membership (voters ${data.voters.join(', ')}): it was removed` });
  }
  if (data.tornTail) {
    problems.push({ code: 'TORN_TAIL', message: `${data.tornTail.file} ends in a damaged record at offset ${data.tornTail.offset}; etcd repairs it on start (it was never acknowledged)` });
  }
  return {
    kind: 'etcd',
    clusterId: data.clusterId,
    healthy: data.voters.length > 0,
    dataDir: data.dir,
    id: data.memberId,
    ...(self?.name ? { name: self.name } : {}),
    term: data.term,
    vote: data.vote === '' ? null : data.vote,
    commitIndex: data.commit,
    lastIndex: data.lastIndex,
    lastTerm: data.lastTerm,
    snapshotIndex: data.snapshotIndex,
    voters: data.voters,
    learners: data.learners,
    members: data.members,
    walFiles: data.walFiles,
    problems,
  };
}
