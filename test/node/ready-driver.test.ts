// The Ready driver's order: a leader's appends before the write, votes and acknowledgements only once the
// disk says the write is durable, applying after, advance last; a failed write stops it and acknowledges nothing.

import { describe, expect, it } from 'vitest';
import { MemoryStorage, RaftNode, bootstrapEntries, bootstrapHardState, type Entry, type Message } from '../../src/raft/index.js';
import { ReadyDriver, type ReadyWrite } from '../../src/node/ready-driver.js';
import { members, seededRandom } from '../raft/harness.js';

/** One node over the driver, with a disk whose writes complete only when the test says so. */
function setup(id: number, voters: number[]) {
  const storage = new MemoryStorage();
  storage.append(bootstrapEntries(members(voters)));
  storage.setHardState(bootstrapHardState(members(voters)));
  const raft = new RaftNode({ id, electionTicks: 10, heartbeatTicks: 2, preVote: false, checkQuorum: false, random: seededRandom(id) }, storage);
  const order: string[] = [];
  const sent: Message[] = [];
  const applied: Entry[] = [];
  const writes: { write: ReadyWrite; done: (error?: Error) => void }[] = [];
  const errors: Error[] = [];
  const driver = new ReadyDriver({
    raft,
    storage,
    disk: {
      write: (write, done) => {
        order.push(`write ${write.entries.length} entries${write.hardState ? ` term ${write.hardState.term} vote ${write.hardState.vote}` : ''}`);
        writes.push({ write, done });
      },
    },
    network: {
      send: (messages) => {
        for (const m of messages) order.push(`send ${m.type} to ${m.to}`);
        sent.push(...messages);
      },
    },
    stateMachine: {
      apply: (entries) => {
        for (const e of entries) order.push(`apply ${e.index}`);
        applied.push(...entries);
      },
      restore: (snapshot) => order.push(`restore ${snapshot.meta.index}`),
    },
    observer: { persisted: () => order.push('persisted'), advanced: () => order.push('advanced') },
    onError: (error) => errors.push(error),
  });
  const finishWrite = (error?: Error): void => {
    const next = writes.shift();
    if (next === undefined) throw new Error('no write in flight');
    next.done(error);
  };
  // The bootstrap entries are committed: the first Ready applies them.
  driver.process();
  while (writes.length > 0) finishWrite();
  expect(applied.map((e) => e.index)).toEqual(bootstrapEntries(members(voters)).map((e) => e.index));
  order.length = 0;
  applied.length = 0;
  return { raft, storage, driver, order, sent, applied, writes, errors, finishWrite };
}

describe('ReadyDriver', () => {
  it('sends a candidate\'s votes only after the disk reports its term and vote durable', () => {
    const node = setup(1, [1, 2, 3]);
    node.raft.campaign();
    node.driver.process();
    expect(node.order).toEqual(['write 0 entries term 2 vote 1']);
    expect(node.sent).toEqual([]);
    expect(node.storage.initialState().hardState.vote).toBe(0);
    node.finishWrite();
    expect(node.storage.initialState().hardState).toMatchObject({ term: 2, vote: 1 });
    expect(node.order).toEqual(['write 0 entries term 2 vote 1', 'persisted', 'send vote to 2', 'send vote to 3', 'advanced']);
  });

  it("sends a leader's appends before its write, and commits only once its own copy is durable", () => {
    const node = setup(1, [1, 2, 3]);
    node.raft.campaign();
    node.driver.process();
    node.finishWrite();
    for (const from of [2, 3]) node.raft.step({ type: 'vote-response', from, to: 1, term: 2, reject: false });
    node.order.length = 0;
    node.driver.process();
    // The no-op append goes out while the leader's own write is in flight.
    expect(node.order).toEqual(['send append to 2', 'send append to 3', 'write 1 entries']);
    const noop = node.raft.status().lastIndex;
    node.raft.step({ type: 'append-response', from: 2, to: 1, term: 2, index: noop, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(node.raft.status().commit).toBeLessThan(noop);
    node.finishWrite();
    expect(node.raft.status().commit).toBe(noop);
    // The commit is applied by the next Ready, which the driver took up as soon as the write was done.
    expect(node.applied.map((e) => e.index)).toContain(noop);
  });

  it('takes no next Ready while a write is in flight, and handles it once the write is done', () => {
    const node = setup(2, [1, 2, 3]);
    const boot = node.raft.status().lastIndex;
    const entry = (i: number): Entry => ({ type: 'normal', term: 2, index: boot + i, data: new Uint8Array([i]) });
    node.raft.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: boot, prevTerm: 1, commit: boot, entries: [entry(1)] });
    node.driver.process();
    node.raft.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: boot + 1, prevTerm: 2, commit: boot + 1, entries: [entry(2)] });
    node.driver.process();
    expect(node.writes.length).toBe(1);
    expect(node.sent).toEqual([]);
    node.finishWrite();
    expect(node.sent.map((m) => m.type)).toEqual(['append-response']);
    expect(node.writes.length).toBe(1);
    node.finishWrite();
    expect(node.sent.map((m) => m.type)).toEqual(['append-response', 'append-response']);
    expect(node.applied.map((e) => e.index)).toEqual([boot + 1]);
  });

  it('a failed write stops the driver: nothing it would have acknowledged is sent, the owner is told', () => {
    const node = setup(1, [1, 2, 3]);
    node.raft.campaign();
    node.driver.process();
    node.finishWrite(new Error('ENOSPC: no space left on device'));
    expect(node.errors.map((e) => e.message)).toEqual(['ENOSPC: no space left on device']);
    expect(node.sent).toEqual([]);
    node.raft.tick();
    node.driver.process();
    expect(node.writes).toEqual([]);
  });

  it('whenIdle waits for the write in flight; stop() lets it finish but takes no new Ready', async () => {
    const node = setup(1, [1, 2, 3]);
    node.raft.campaign();
    node.driver.process();
    let idle = false;
    const waiting = node.driver.whenIdle().then(() => (idle = true));
    node.driver.stop();
    await Promise.resolve();
    expect(idle).toBe(false);
    node.finishWrite();
    await waiting;
    expect(node.sent.map((m) => m.type)).toEqual(['vote', 'vote']);
    node.raft.campaign();
    node.driver.process();
    expect(node.writes).toEqual([]);
  });
});
