// The safety properties the simulator checks after every step, fed with observations of what nodes
// persisted, committed, applied and read. Each check throws InvariantViolation on the first breach.

import type { Entry, NodeId } from '../../src/raft/index.js';

export class InvariantViolation extends Error {
  constructor(
    readonly invariant: string,
    detail: string,
  ) {
    super(`${invariant}: ${detail}`);
    this.name = 'InvariantViolation';
  }
}

/** What an entry says, independent of which node holds it. */
export function fingerprint(entry: Entry): string {
  if (entry.type === 'conf-change') return `${entry.term}:conf:${JSON.stringify(entry.change)}`;
  return `${entry.term}:data:${new TextDecoder().decode(entry.data)}`;
}

interface CommittedEntry {
  fingerprint: string;
  /** The term of the node that first reported the commit: the entry was committed in this term or earlier. */
  knownInTerm: number;
}

export class InvariantChecker {
  private readonly leaders = new Map<number, NodeId>();
  /** `${index}/${term}` -> what the entry says and the term of the entry before it. */
  private readonly logEntries = new Map<string, { fingerprint: string; prevTerm: number }>();
  private readonly committed = new Map<number, CommittedEntry>();
  private readonly applied = new Map<number, string>();
  /** Writes answered to their client: index -> the client's command. */
  private readonly acknowledged = new Map<number, string>();
  /** The highest index known committed anywhere: every later read must reflect it. */
  maxCommit = 0;

  /**
   * A node refuses an append that would overwrite one of its committed entries (src/raft/log.ts). Within one
   * cluster that can never be asked (Leader Completeness, §5.4): being asked means the logs diverged.
   */
  observeCommittedConflict(node: NodeId, peer: NodeId, index: number, localTerm: number, leaderTerm: number): never {
    throw new InvariantViolation('committed entries never conflict', `node ${peer} asked node ${node} to overwrite committed index ${index} (term ${localTerm} with term ${leaderTerm})`);
  }

  /** Election Safety: at most one leader can be elected in a given term. */
  observeLeader(term: number, id: NodeId): void {
    const known = this.leaders.get(term);
    if (known === undefined) this.leaders.set(term, id);
    else if (known !== id) {
      throw new InvariantViolation('election safety', `nodes ${known} and ${id} both led term ${term}`);
    }
  }

  /**
   * Log Matching, checked by induction: an (index, term) pair always names the same entry, and
   * the same term for the entry before it; so two logs agreeing at one index agree up to it.
   */
  observeLogEntry(node: NodeId, entry: Entry, prevTerm: number): void {
    const key = `${entry.index}/${entry.term}`;
    const print = fingerprint(entry);
    const known = this.logEntries.get(key);
    if (known === undefined) {
      this.logEntries.set(key, { fingerprint: print, prevTerm });
      return;
    }
    if (known.fingerprint !== print) {
      throw new InvariantViolation('log matching', `node ${node} holds ${print} at ${key}, another node ${known.fingerprint}`);
    }
    if (known.prevTerm !== prevTerm) {
      throw new InvariantViolation(
        'log matching',
        `node ${node} has term ${prevTerm} before ${key}, another node term ${known.prevTerm}`,
      );
    }
  }

  /** A committed entry never changes: every node that commits an index commits the same entry. */
  observeCommitted(node: NodeId, nodeTerm: number, entry: Entry): void {
    const print = fingerprint(entry);
    const known = this.committed.get(entry.index);
    if (known === undefined) {
      this.committed.set(entry.index, { fingerprint: print, knownInTerm: nodeTerm });
    } else if (known.fingerprint !== print) {
      throw new InvariantViolation(
        'committed entries are never changed',
        `node ${node} committed ${print} at ${entry.index}, previously committed ${known.fingerprint}`,
      );
    }
    this.maxCommit = Math.max(this.maxCommit, entry.index);
  }

  /**
   * Leader Completeness: the leader of `term` holds every entry committed in an earlier term.
   * `entryAt` reads the leader's log (undefined past its end or below its snapshot).
   */
  checkLeaderCompleteness(node: NodeId, term: number, entryAt: (index: number) => Entry | 'compacted' | undefined): void {
    for (const [index, known] of this.committed) {
      if (known.knownInTerm >= term) continue;
      const entry = entryAt(index);
      if (entry === 'compacted') continue;
      if (entry === undefined || fingerprint(entry) !== known.fingerprint) {
        throw new InvariantViolation(
          'committed entries are never lost',
          `leader ${node} of term ${term} has ${entry === undefined ? 'nothing' : fingerprint(entry)} at ${index}, committed ${known.fingerprint}`,
        );
      }
    }
  }

  /** State Machine Safety: no two nodes apply different entries at the same index. */
  observeApply(node: NodeId, entry: Entry): void {
    const print = fingerprint(entry);
    const known = this.applied.get(entry.index);
    if (known === undefined) this.applied.set(entry.index, print);
    else if (known !== print) {
      throw new InvariantViolation('state machine safety', `node ${node} applied ${print} at ${entry.index}, another node ${known}`);
    }
  }

  /**
   * A client was told its write `command` is in at `index`: the entry applied there must be that very
   * command (never someone else's write), and stay so (checkAcknowledged, after healing).
   */
  observeAcknowledged(node: NodeId, index: number, command: string): void {
    const applied = this.applied.get(index)?.split(':data:')[1];
    if (applied !== command) throw new InvariantViolation('acknowledged writes', `node ${node} answered ${command} at ${index}, where ${applied ?? 'nothing'} applied`);
    const known = this.acknowledged.get(index);
    if (known !== undefined && known !== command) throw new InvariantViolation('acknowledged writes', `${known} and ${command} both answered at ${index}`);
    this.acknowledged.set(index, command);
  }

  /** Every acknowledged write is still the entry every node applied at its index. */
  checkAcknowledged(): void {
    for (const [index, command] of this.acknowledged) {
      if (this.applied.get(index)?.split(':data:')[1] !== command) throw new InvariantViolation('acknowledged writes', `${command} acknowledged at ${index} is lost`);
    }
  }

  /**
   * Linearizable reads: a read started when `commitAtStart` was known committed must be served from
   * a state that includes it, at or after the read index, with the value that prefix of the log gives.
   */
  observeRead(read: {
    node: NodeId;
    context: string;
    commitAtStart: number;
    readIndex: number;
    servedAt: number;
    value: string | undefined;
    expected: string | undefined;
  }): void {
    const where = `read ${read.context} on node ${read.node}`;
    if (read.readIndex < read.commitAtStart) {
      throw new InvariantViolation(
        'linearizable reads',
        `${where} got read index ${read.readIndex} but ${read.commitAtStart} was committed before it started`,
      );
    }
    if (read.servedAt < read.readIndex) {
      throw new InvariantViolation('linearizable reads', `${where} served at ${read.servedAt} before its read index ${read.readIndex}`);
    }
    if (read.value !== read.expected) {
      throw new InvariantViolation('linearizable reads', `${where} returned ${read.value} but the log up to ${read.servedAt} says ${read.expected}`);
    }
  }

  /** The value of `key` after applying the agreed log up to `index` (commands are `key=value`). */
  valueAt(key: string, index: number): string | undefined {
    let value: string | undefined;
    for (let i = 1; i <= index; i++) {
      const print = this.applied.get(i);
      const command = print?.split(':data:')[1];
      if (command === undefined) continue;
      const [k, v] = command.split('=');
      if (k === key) value = v;
    }
    return value;
  }
}
