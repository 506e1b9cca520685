// The one Ready loop: takes each Ready from the core and sends, persists, applies and advances it in the
// order the core's persistence rule asks. The node runtime, the simulator and the core's test harness all
// run this code over their own disk, network and state machine, so what the simulator proves is what ships.
import type { MemoryStorage, RaftNode } from '../raft/index.js';
import type { Entry, HardState, Message, ReadState, Ready, SoftState, Snapshot } from '../raft/types.js';

/** What one Ready asks the disk to make durable. */
export interface ReadyWrite {
  /** Written before the entries: the log continues after it. */
  snapshot?: Snapshot;
  entries: readonly Entry[];
  hardState?: HardState;
  /** Needs an fsync before anything depending on it leaves; when false the write may be deferred or skipped. */
  mustSync: boolean;
}

export interface ReadyDisk {
  /**
   * Makes `write` durable, then calls `done` (at once or later), or `done(error)` if it cannot: nothing
   * more may be acknowledged then. No other write is asked for until `done` is called.
   */
  write(write: ReadyWrite, done: (error?: Error) => void): void;
}

export interface ReadyNetwork {
  /** Hands messages to the transport; never blocks on a peer. */
  send(messages: readonly Message[]): void;
}

export interface ReadyStateMachine {
  /** Committed entries, in log order, each exactly once per life of the node. */
  apply(entries: readonly Entry[]): void;
  /** A leader's snapshot replaces the state; entries after it are applied next. */
  restore(snapshot: Snapshot): void;
}

/** What the owner of the driver hears, each at its point in the order; every member is optional. */
export interface ReadyObserver {
  /** A Ready was taken from the core, before anything of it is done (traces print it here). */
  began?(ready: Ready): void;
  /** The write is durable and mirrored in the core's storage; messages that depend on it have not left yet. */
  persisted?(ready: Ready): void;
  readStates?(states: readonly ReadState[]): void;
  softState?(soft: SoftState): void;
  advanced?(): void;
  /** The core has no Ready left and no write is in flight. */
  idle?(): void;
}

export interface ReadyDriverParts {
  raft: RaftNode;
  /** The stable log the core reads from: updated only once the disk says a write is durable. */
  storage: MemoryStorage;
  disk: ReadyDisk;
  network: ReadyNetwork;
  stateMachine: ReadyStateMachine;
  observer?: ReadyObserver;
  /** The disk failed or a collaborator threw: the driver has stopped, nothing more will be acknowledged. */
  onError(error: Error): void;
}

export class ReadyDriver {
  private readonly parts: ReadyDriverParts;
  /** A Ready's write is in flight: the next Ready waits for it. */
  private writing = false;
  /** process() is on the stack: a nested call leaves the work to the loop already running. */
  private running = false;
  private stopped = false;
  private idleWaiters: (() => void)[] = [];

  constructor(parts: ReadyDriverParts) {
    this.parts = parts;
  }

  /** Handles Readies until the core has none left or one waits for its write. Call after every input. */
  process(): void {
    if (this.running) return;
    if (this.writing) {
      // A follower's proposals need not wait for the write (RaftNode.takeSendable).
      const sendable = this.stopped ? [] : this.parts.raft.takeSendable();
      if (sendable.length > 0) this.parts.network.send(sendable);
      return;
    }
    if (!this.stopped) {
      this.running = true;
      try {
        const { raft } = this.parts;
        while (!this.stopped && !this.writing && raft.hasReady()) this.begin(raft.ready());
      } catch (err) {
        this.fail(err);
      } finally {
        this.running = false;
      }
    }
    if (this.writing) return;
    if (!this.stopped) {
      try {
        this.parts.observer?.idle?.();
      } catch (err) {
        this.fail(err);
      }
    }
    this.wakeIdleWaiters();
  }

  /** No new Ready is taken; the one being written still finishes (its write may be what a caller waits on). */
  stop(): void {
    this.stopped = true;
    if (!this.writing) this.wakeIdleWaiters();
  }

  /** Resolves once no write is in flight. */
  whenIdle(): Promise<void> {
    if (!this.writing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private begin(ready: Ready): void {
    const { storage, disk, network, stateMachine, observer } = this.parts;
    observer?.began?.(ready);
    network.send(ready.messages);
    // Committed entries already stable, and not being replaced by this write, are applied while it runs.
    const stableLast = ready.snapshot === undefined ? Math.min(storage.lastIndex(), (ready.entries[0]?.index ?? Infinity) - 1) : 0;
    let appliedEarly = 0;
    while (appliedEarly < ready.committedEntries.length && (ready.committedEntries[appliedEarly]?.index ?? Infinity) <= stableLast) appliedEarly++;
    if (appliedEarly > 0) stateMachine.apply(ready.committedEntries.slice(0, appliedEarly));

    this.writing = true;
    let returned = false;
    let doneInline: { error: Error | undefined } | undefined;
    const write: ReadyWrite = { entries: ready.entries, mustSync: ready.mustSync };
    if (ready.snapshot !== undefined) write.snapshot = ready.snapshot;
    if (ready.hardState !== undefined) write.hardState = ready.hardState;
    disk.write(write, (error) => {
      if (!returned) {
        doneInline = { error };
        return;
      }
      this.complete(ready, appliedEarly, error);
      this.process();
    });
    returned = true;
    if (doneInline !== undefined) this.complete(ready, appliedEarly, doneInline.error);
  }

  /** The write is done (or failed): mirror it into the core's storage, then everything that waited for it. */
  private complete(ready: Ready, appliedEarly: number, error: Error | undefined): void {
    this.writing = false;
    if (error !== undefined) {
      this.fail(error);
      return;
    }
    try {
      const { raft, storage, network, stateMachine, observer } = this.parts;
      if (ready.snapshot !== undefined) {
        storage.applySnapshot(ready.snapshot);
        stateMachine.restore(ready.snapshot);
      }
      storage.append(ready.entries);
      if (ready.hardState !== undefined) storage.setHardState(ready.hardState);
      observer?.persisted?.(ready);
      network.send(ready.persistedMessages);
      if (appliedEarly < ready.committedEntries.length) stateMachine.apply(ready.committedEntries.slice(appliedEarly));
      if (ready.readStates.length > 0) observer?.readStates?.(ready.readStates);
      if (ready.softState !== undefined) observer?.softState?.(ready.softState);
      raft.advance(ready);
      observer?.advanced?.();
    } catch (err) {
      this.fail(err);
    }
  }

  /** After stop() a failure has nobody left to tell: the owner is already shutting down. */
  private fail(err: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    this.parts.onError(err instanceof Error ? err : new Error(String(err)));
  }

  private wakeIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const wake of waiters) wake();
  }
}
