// The vocabulary of the consensus core: ids, entries, membership, messages, and the Ready batch.
// Everything here is plain data (JSON- and structured-clone-friendly) so the runtime can persist it,
// send it, and the simulator can copy it.

/** A node id; 0 means "none" (no leader, no vote). */
export type NodeId = number;
export const NONE: NodeId = 0;

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** What must be durable before any message that depends on it is sent. */
export interface HardState {
  term: number;
  vote: NodeId;
  commit: number;
}

export interface Member {
  id: NodeId;
  /** HOST:PORT where the member serves peers and operators. */
  addr: string;
}

/** The cluster configuration. Addresses travel with it, so any member knows everyone's endpoint. */
export interface Membership {
  voters: Member[];
  learners: Member[];
}

/** One single-server membership change; at most one is in flight at a time. */
export type ConfChange =
  | { type: 'add-learner'; id: NodeId; addr: string }
  | { type: 'promote'; id: NodeId }
  | { type: 'add-voter'; id: NodeId; addr: string }
  | { type: 'remove'; id: NodeId };

export type Entry =
  /** Application data; an empty `data` is the no-op a new leader appends to commit its term. */
  | { type: 'normal'; term: number; index: number; data: Uint8Array }
  | { type: 'conf-change'; term: number; index: number; change: ConfChange };

export interface SnapshotMeta {
  index: number;
  term: number;
  membership: Membership;
}

export interface Snapshot {
  meta: SnapshotMeta;
  data: Uint8Array;
}

interface Envelope {
  from: NodeId;
  to: NodeId;
  term: number;
}

export type Message =
  | (Envelope & { type: 'append'; prevIndex: number; prevTerm: number; entries: Entry[]; commit: number })
  | (Envelope & {
      type: 'append-response';
      /** On success the last index now matching the leader; on reject the index that did not match. */
      index: number;
      reject: boolean;
      /** On reject: the follower's hint for fast back-off (an index at or below the conflict). */
      rejectHint: number;
      /** On reject: the term of the entry at rejectHint in the follower's log (0 if none). */
      hintTerm: number;
    })
  | (Envelope & { type: 'heartbeat'; commit: number; context?: string })
  | (Envelope & { type: 'heartbeat-response'; context?: string })
  | (Envelope & {
      type: 'vote' | 'pre-vote';
      lastIndex: number;
      lastTerm: number;
      /** Set when the election follows a leadership transfer: voters skip the leader-lease check. */
      transfer: boolean;
    })
  | (Envelope & { type: 'vote-response' | 'pre-vote-response'; reject: boolean })
  | (Envelope & { type: 'snapshot'; snapshot: Snapshot })
  | (Envelope & { type: 'timeout-now' })
  /** A follower forwards a read-index request to its leader; context identifies the request. */
  | (Envelope & { type: 'read-index'; context: string })
  | (Envelope & { type: 'read-index-response'; context: string; index: number; reject: boolean })
  /** A follower forwards a leadership-transfer request to its leader. */
  | (Envelope & { type: 'transfer-leader'; transferee: NodeId })
  /**
   * A follower hands its clients' proposals (normal entries, term and index 0) to the leader it knows,
   * which appends them like its own. Nothing answers it: the proposer learns the outcome by applying
   * the log (src/raft/proposal.ts explains the term rules).
   */
  | (Envelope & { type: 'propose'; entries: Entry[] });

export type MessageType = Message['type'];

/** A linearizable read is safe once the local applied index reaches `index`. */
export interface ReadState {
  context: string;
  index: number;
}

export interface SoftState {
  role: Role;
  leader: NodeId;
}

/**
 * Everything the runtime must do after a batch of inputs, in this order: send `messages` (they may leave
 * before the write); persist `snapshot`, `entries` and `hardState` (with an fsync when `mustSync`); then
 * send `persistedMessages`, apply `committedEntries`, serve `readStates` whose index is applied; finally
 * call advance(). src/node/ready-driver.ts is the one place that does this.
 */
export interface Ready {
  softState?: SoftState;
  hardState?: HardState;
  /** Append to the stable log, first truncating any stable suffix from entries[0].index on. */
  entries: Entry[];
  snapshot?: Snapshot;
  committedEntries: Entry[];
  /** A leader's appends, heartbeats and snapshots for a term already durable: may leave before the write. */
  messages: Message[];
  /** Everything else (votes, vote and append responses, anything sent with a new term or vote): only after the write. */
  persistedMessages: Message[];
  readStates: ReadState[];
  /**
   * The write must be fsynced before persistedMessages leave: new entries, a snapshot, or a new term or
   * vote. A commit-only change need not be (a restarted node relearns its commit index from the leader).
   */
  mustSync: boolean;
}
