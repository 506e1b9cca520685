// The protobuf messages of a stopped etcd member's data dir (member/wal, member/snap), described here
// by field number for protobufjs to decode: the WAL record frame's payload, raft's hard state, entries,
// conf changes and snapshot metadata, and etcd's WAL metadata.
import protobuf from 'protobufjs/light.js';

const u64 = (id: number, rule?: 'repeated') => ({ type: 'uint64', id, ...(rule ? { rule } : {}) });

const root = protobuf.Root.fromJSON({
  nested: {
    walpb: {
      nested: {
        Record: { fields: { type: { type: 'int64', id: 1 }, crc: { type: 'uint32', id: 2 }, data: { type: 'bytes', id: 3 } } },
        Snapshot: { fields: { index: u64(1), term: u64(2) } },
      },
    },
    etcdserverpb: {
      nested: {
        Metadata: { fields: { NodeID: u64(1), ClusterID: u64(2) } },
        // etcd 3.4 publishes a member's name and client URLs as a v2 PUT of /0/members/ID/attributes.
        Request: { fields: { ID: u64(1), Method: { type: 'string', id: 2 }, Path: { type: 'string', id: 3 }, Val: { type: 'string', id: 4 } } },
      },
    },
    snappb: { nested: { Snapshot: { fields: { crc: { type: 'uint32', id: 1 }, data: { type: 'bytes', id: 2 } } } } },
    raftpb: {
      nested: {
        Entry: { fields: { Type: { type: 'int32', id: 1 }, Term: u64(2), Index: u64(3), Data: { type: 'bytes', id: 4 } } },
        HardState: { fields: { term: u64(1), vote: u64(2), commit: u64(3) } },
        ConfChange: { fields: { ID: u64(1), Type: { type: 'int32', id: 2 }, NodeID: u64(3), Context: { type: 'bytes', id: 4 } } },
        ConfChangeSingle: { fields: { Type: { type: 'int32', id: 1 }, NodeID: u64(2) } },
        ConfChangeV2: { fields: { transition: { type: 'int32', id: 1 }, changes: { type: 'ConfChangeSingle', id: 2, rule: 'repeated' }, context: { type: 'bytes', id: 3 } } },
        ConfState: { fields: { voters: u64(1, 'repeated'), learners: u64(2, 'repeated'), voters_outgoing: u64(3, 'repeated'), learners_next: u64(4, 'repeated') } },
        SnapshotMetadata: { fields: { conf_state: { type: 'ConfState', id: 1 }, index: u64(2), term: u64(3) } },
        Snapshot: { fields: { data: { type: 'bytes', id: 1 }, metadata: { type: 'SnapshotMetadata', id: 2 } } },
      },
    },
  },
});

/** Decodes `bytes` as the named message into plain data: 64-bit integers as decimal strings. */
export function decode<T>(name: string, bytes: Uint8Array): T {
  const type = root.lookupType(name);
  return type.toObject(type.decode(bytes), { longs: String, bytes: Buffer, defaults: true }) as T;
}

export interface WalRecord {
  type: string;
  crc: number;
  data: Buffer;
}

export interface RaftEntry {
  Type: number;
  Term: string;
  Index: string;
  Data: Buffer;
}

export interface HardState {
  term: string;
  vote: string;
  commit: string;
}

export interface ConfChange {
  Type: number;
  NodeID: string;
  Context: Buffer;
}

export interface ConfChangeV2 {
  changes: { Type: number; NodeID: string }[];
  context: Buffer;
}

export interface RaftSnapshot {
  metadata: { conf_state: { voters: string[]; learners: string[] }; index: string; term: string };
}
