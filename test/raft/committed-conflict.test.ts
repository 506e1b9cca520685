// §5.3 Log Matching and §5.4.2: "a leader never overwrites or deletes entries in its own log", and once an
// entry is committed every future leader holds it. So an append that would overwrite a committed entry can
// only come from another history (a data dir of another cluster, a restored old copy): the core refuses it,
// says so, and does not answer, so that leader can never count this node toward a commit.
import { describe, expect, it } from 'vitest';
import { type Entry, type Message } from '../../src/raft/index.js';
import { bytes, Cluster } from './harness.js';

/** A single-node cluster that committed two writes of its own: index 1 bootstrap, 2 the leader's empty entry, 3-4 data. */
function committedSingleNode(): ReturnType<Cluster['node']> {
  const cluster = new Cluster([1]);
  const node = cluster.node(1);
  node.raft.campaign();
  cluster.settle();
  for (const text of ['a=1', 'b=2']) expect(node.raft.propose(bytes(text)).ok).toBe(true);
  cluster.settle();
  expect(node.raft.status().commit).toBe(4);
  return node;
}

const append = (entries: Entry[], prevIndex: number, prevTerm: number): Message => ({
  type: 'append',
  from: 2,
  to: 1,
  term: 9,
  prevIndex,
  prevTerm,
  commit: 5,
  entries,
});

describe('a node never overwrites a committed entry', () => {
  it('refuses an append whose entries contradict committed ones, logs it once, and does not answer', () => {
    const node = committedSingleNode();
    const before = node.storage.entries(1, 5);
    const foreign: Entry[] = [
      { type: 'conf-change', term: 1, index: 2, change: { type: 'add-voter', id: 2, addr: '127.0.0.1:9192' } },
      { type: 'normal', term: 9, index: 3, data: bytes('other') },
    ];
    node.raft.step(append(foreign, 1, 1));
    const rd = node.raft.ready();
    expect([...rd.messages, ...rd.persistedMessages].filter((m) => m.to === 2 && m.type === 'append-response')).toEqual([]);
    expect(rd.entries).toEqual([]);
    expect(node.events.filter((e) => e.type === 'committed-entry-conflict')).toEqual([
      { type: 'committed-entry-conflict', node: 1, term: 9, peer: 2, index: 2, localTerm: 2, leaderTerm: 1 },
    ]);
    node.raft.advance(rd);
    expect(node.storage.entries(1, 5)).toEqual(before);
    expect(node.raft.status().commit).toBe(4);
  });

  it('refuses an append whose previous entry contradicts a committed one (it would not be answered as a match)', () => {
    const node = committedSingleNode();
    node.raft.step(append([], 3, 7));
    const conflicts = node.events.filter((e) => e.type === 'committed-entry-conflict');
    expect(conflicts).toMatchObject([{ peer: 2, index: 3, localTerm: 2, leaderTerm: 7 }]);
    const rd = node.raft.ready();
    expect([...rd.messages, ...rd.persistedMessages].filter((m) => m.type === 'append-response')).toEqual([]);
  });

  it('accepts an append that agrees with the committed prefix and only adds after it', () => {
    const node = committedSingleNode();
    const own = node.storage.entries(3, 5);
    // Repeating committed entries is harmless: answered with the commit index, as before.
    node.raft.step(append(own, 2, 2));
    const first = node.raft.ready();
    expect(first.persistedMessages).toContainEqual(expect.objectContaining({ type: 'append-response', to: 2, index: 4, reject: false }));
    if (first.hardState) node.storage.setHardState(first.hardState);
    node.raft.advance(first);
    node.raft.step(append([{ type: 'normal', term: 9, index: 5, data: bytes('c=3') }], 4, own[1]!.term));
    expect(node.events.some((e) => e.type === 'committed-entry-conflict')).toBe(false);
    const rd = node.raft.ready();
    expect(rd.entries.map((e) => e.index)).toEqual([5]);
  });
});
