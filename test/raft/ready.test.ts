// The core's persistence rule, as its Ready states it: which messages may leave before the Ready's write
// (a leader's appends for a term already durable, thesis §10.2.1) and which only after it, and when the
// write must be synced.

import { describe, expect, it } from 'vitest';
import type { Message, Ready } from '../../src/raft/index.js';
import { bytes, drain, soloNode } from './harness.js';

const classic = { preVote: false, checkQuorum: false };
const types = (messages: Message[]): string[] => [...new Set(messages.map((m) => m.type))].sort();

function take(node: ReturnType<typeof soloNode>): Ready {
  expect(node.raft.hasReady()).toBe(true);
  return node.raft.ready();
}

describe('the Ready says what may be sent before its write', () => {
  it('a candidate sends its votes only after its new term and self-vote are durable (§5.2)', () => {
    const candidate = soloNode(1, [1, 2, 3], classic);
    candidate.raft.campaign();
    const ready = take(candidate);
    expect(ready.hardState).toMatchObject({ term: 2, vote: 1 });
    expect(ready.mustSync).toBe(true);
    expect(ready.messages).toEqual([]);
    expect(types(ready.persistedMessages)).toEqual(['vote']);
  });

  it('a pre-candidate changes no term yet sends pre-votes only after the write too', () => {
    const node = soloNode(1, [1, 2, 3], { preVote: true, checkQuorum: false });
    node.raft.campaign();
    const ready = take(node);
    expect(ready.messages).toEqual([]);
    expect(types(ready.persistedMessages)).toEqual(['pre-vote']);
  });

  it('a vote granted is sent only after the vote is durable', () => {
    const voter = soloNode(2, [1, 2, 3], classic);
    voter.raft.step({ type: 'vote', from: 1, to: 2, term: 2, lastIndex: 3, lastTerm: 1, transfer: false });
    const ready = take(voter);
    expect(ready.hardState).toMatchObject({ term: 2, vote: 1 });
    expect(ready.messages).toEqual([]);
    expect(ready.persistedMessages).toMatchObject([{ type: 'vote-response', reject: false }]);
  });

  it("a leader's appends leave before its own write; the follower's acknowledgement only after its write", () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    leader.raft.campaign();
    drain(leader);
    for (const from of [2, 3]) leader.raft.step({ type: 'vote-response', from, to: 1, term: 2, reject: false });
    drain(leader);
    const noop = leader.raft.status().lastIndex;
    for (const from of [2, 3]) leader.raft.step({ type: 'append-response', from, to: 1, term: 2, index: noop, reject: false, rejectHint: 0, hintTerm: 0 });
    drain(leader);
    leader.raft.propose(bytes('a=1'));
    const ready = take(leader);
    expect(ready.mustSync).toBe(true);
    expect(ready.entries.length).toBe(1);
    expect(types(ready.messages)).toEqual(['append']);
    expect(ready.persistedMessages).toEqual([]);

    const follower = soloNode(2, [1, 2, 3], classic);
    const append = ready.messages.find((m) => m.to === 2);
    if (append === undefined) throw new Error('no append to 2');
    follower.raft.step(append);
    const answer = take(follower);
    expect(answer.messages).toEqual([]);
    expect(types(answer.persistedMessages)).toEqual(['append-response']);
  });

  it("a new leader's first appends (its no-op) leave before the write: its term and vote were made durable as candidate", () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    leader.raft.campaign();
    drain(leader);
    for (const from of [2, 3]) leader.raft.step({ type: 'vote-response', from, to: 1, term: 2, reject: false });
    const ready = take(leader);
    expect(ready.softState?.role).toBe('leader');
    expect(types(ready.messages)).toEqual(['append']);
  });

  it('a commit-only change need not be synced', () => {
    const follower = soloNode(2, [1, 2, 3], classic);
    const boot = follower.raft.status().lastIndex;
    follower.raft.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: boot, prevTerm: 1, commit: boot, entries: [{ type: 'normal', term: 2, index: boot + 1, data: bytes('x') }] });
    drain(follower);
    follower.raft.step({ type: 'heartbeat', from: 1, to: 2, term: 2, commit: boot + 1 });
    const ready = take(follower);
    expect(ready.hardState?.commit).toBe(boot + 1);
    expect(ready.entries).toEqual([]);
    expect(ready.mustSync).toBe(false);
  });

  it('a snapshot stepped in while a Ready is being written does not trip its advance()', () => {
    // The runtime steps messages while a write is in flight; the snapshot moves applied past that Ready's entries.
    const follower = soloNode(2, [1, 2, 3], classic);
    const boot = follower.raft.status().lastIndex;
    const entries = [1, 2].map((i) => ({ type: 'normal' as const, term: 2, index: boot + i, data: bytes(`e${i}`) }));
    follower.raft.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: boot, prevTerm: 1, commit: boot + 2, entries });
    const inFlight = take(follower);
    expect(inFlight.committedEntries.length).toBeGreaterThan(0);
    const membership = follower.raft.status().membership;
    follower.raft.step({ type: 'snapshot', from: 1, to: 2, term: 2, snapshot: { meta: { index: boot + 10, term: 2, membership }, data: bytes('state') } });
    follower.storage.append(inFlight.entries);
    expect(() => follower.raft.advance(inFlight)).not.toThrow();
    const next = take(follower);
    expect(next.snapshot?.meta.index).toBe(boot + 10);
    expect(next.committedEntries).toEqual([]);
  });
});
