// Proposals made at a follower: forwarded to the leader in one 'propose' message per Ready, appended
// there, and dropped (never passed on) wherever the rules in src/raft/proposal.ts say so.

import { describe, expect, it } from 'vitest';
import type { Message } from '../../src/raft/index.js';
import { Cluster, bytes, drain, soloNode } from './harness.js';

function followerOf(cluster: Cluster, leader: number): number {
  return [...cluster.nodes.keys()].find((id) => id !== leader) ?? 0;
}

describe('forwarded proposals', () => {
  it('a follower hands proposals to its leader, which commits them for everyone', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const follower = followerOf(cluster, leader.id);
    const result = cluster.node(follower).raft.propose(bytes('f=1'));
    expect(result).toEqual({ ok: true, forwarded: true, leader: leader.id, term: leader.raft.status().term });
    // No tick: the leader tells the followers the new commit index itself, not with the next heartbeat.
    cluster.settle();
    for (const id of [1, 2, 3]) expect(cluster.appliedData(id)).toEqual(['f=1']);
  });

  it('a follower may send its proposals while its own write is in flight (takeSendable)', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const follower = cluster.node(followerOf(cluster, leader.id));
    follower.raft.propose(bytes('early'));
    follower.raft.step({ type: 'heartbeat', from: leader.id, to: follower.id, term: leader.raft.status().term, commit: 0 });
    const taken = follower.raft.takeSendable();
    expect(taken.map((m) => m.type)).toEqual(['propose']);
    expect(follower.raft.takeSendable()).toEqual([]);
    // What is left (the heartbeat's answer) still waits for the Ready.
    expect(follower.raft.ready().persistedMessages.map((m) => m.type)).toEqual(['heartbeat-response']);
  });

  it('proposals made before one Ready travel in one message, ahead of the write', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const follower = cluster.node(followerOf(cluster, leader.id));
    for (const text of ['a', 'b', 'c']) follower.raft.propose(bytes(text));
    const rd = follower.raft.ready();
    const proposals = rd.messages.filter((m) => m.type === 'propose');
    expect(proposals).toHaveLength(1);
    expect(rd.persistedMessages.some((m) => m.type === 'propose')).toBe(false);
    const [message] = proposals as Extract<Message, { type: 'propose' }>[];
    expect(message?.to).toBe(leader.id);
    expect(message?.entries.map((e) => (e.type === 'normal' ? new TextDecoder().decode(e.data) : ''))).toEqual(['a', 'b', 'c']);
  });

  it('a follower with no leader drops the proposal at once', () => {
    const cluster = new Cluster([1, 2, 3]);
    const result = cluster.node(2).raft.propose(bytes('x'));
    expect(result).toEqual({ ok: false, reason: 'no-leader', leader: 0 });
    expect(drain(cluster.node(2)).some((m) => m.type === 'propose')).toBe(false);
  });

  // The leader side, driven by hand: node 1 leads term `term` of voters 1, 2, 3.
  function leaderAt(): { node: ReturnType<typeof soloNode>; term: number } {
    const node = soloNode(1, [1, 2, 3], { preVote: false });
    node.raft.campaign();
    drain(node);
    const term = node.raft.status().term;
    for (const from of [2, 3]) node.raft.step({ type: 'vote-response', from, to: 1, term, reject: false });
    drain(node);
    expect(node.raft.status().role).toBe('leader');
    return { node, term };
  }

  const propose = (from: number, term: number, text: string): Message => ({
    type: 'propose',
    from,
    to: 1,
    term,
    entries: [{ type: 'normal', term: 0, index: 0, data: bytes(text) }],
  });

  it.each([
    { name: 'of the current term is appended', termOffset: 0, appended: true, reason: undefined },
    { name: 'of an older term is appended in the leader term', termOffset: -1, appended: true, reason: undefined },
    { name: 'of a newer term is dropped (the leader is likely deposed)', termOffset: 1, appended: false, reason: 'newer-term' },
  ])('at the leader, a proposal $name', ({ termOffset, appended, reason }) => {
    const { node, term } = leaderAt();
    const lastBefore = node.raft.status().lastIndex;
    node.raft.step(propose(2, term + termOffset, 'p'));
    const status = node.raft.status();
    expect(status.term).toBe(term);
    expect(status.role).toBe('leader');
    expect(status.lastIndex).toBe(appended ? lastBefore + 1 : lastBefore);
    if (appended) expect(node.raft.ready().entries.at(-1)).toMatchObject({ term, index: lastBefore + 1 });
    const dropped = node.events.filter((e) => e.type === 'proposal-dropped');
    expect(dropped.map((e) => (e.type === 'proposal-dropped' ? e.reason : ''))).toEqual(reason === undefined ? [] : [reason]);
  });

  it('a leader holds its commit index during its own write and sends it with the next Ready (takeSendable)', () => {
    const { node, term } = leaderAt();
    node.raft.propose(bytes('x'));
    const rd = node.raft.ready();
    const index = node.raft.status().lastIndex;
    // Both followers hold the entry: it commits although the leader's own copy is still being written.
    for (const from of [2, 3]) node.raft.step({ type: 'append-response', from, to: 1, term, index, reject: false, rejectHint: 0, hintTerm: 0 });
    expect(node.raft.status().commit).toBe(index);
    expect(node.raft.takeSendable()).toEqual([]);
    node.storage.append(rd.entries);
    node.raft.advance(rd);
    const next = node.raft.ready();
    expect(next.messages.map((m) => (m.type === 'append' ? `${m.to}:${m.commit}` : m.type)).sort()).toEqual([`2:${index}`, `3:${index}`]);
  });

  it('a leader whose write in flight changes its term sends nothing early', () => {
    const node = soloNode(1, [1, 2, 3], { preVote: false });
    node.raft.campaign();
    node.raft.ready(); // the new term and vote, not yet durable
    const term = node.raft.status().term;
    for (const from of [2, 3]) node.raft.step({ type: 'vote-response', from, to: 1, term, reject: false });
    expect(node.raft.status().role).toBe('leader');
    expect(node.raft.takeSendable()).toEqual([]);
  });

  it('a leader transferring leadership drops forwarded proposals', () => {
    const { node, term } = leaderAt();
    for (const from of [2, 3]) node.raft.step({ type: 'append-response', from, to: 1, term, index: node.raft.status().lastIndex, reject: false, rejectHint: 0, hintTerm: 0 });
    drain(node);
    node.raft.transferLeader(2);
    const lastBefore = node.raft.status().lastIndex;
    node.raft.step(propose(3, term, 'p'));
    expect(node.raft.status().lastIndex).toBe(lastBefore);
    expect(node.events.some((e) => e.type === 'proposal-dropped' && e.reason === 'transferring')).toBe(true);
  });

  it('a node that no longer leads drops a forwarded proposal instead of passing it on', () => {
    const node = soloNode(1, [1, 2, 3]);
    node.raft.step({ type: 'heartbeat', from: 2, to: 1, term: 3, commit: 0 });
    drain(node);
    expect(node.raft.status().leader).toBe(2);
    node.raft.step(propose(3, 3, 'p'));
    expect(drain(node).filter((m) => m.type === 'propose')).toEqual([]);
    expect(node.raft.status().lastIndex).toBe(3);
    expect(node.events.some((e) => e.type === 'proposal-dropped' && e.reason === 'not-leader')).toBe(true);
  });

  it('a forwarded conf change is ignored: membership goes through proposeConfChange', () => {
    const { node, term } = leaderAt();
    const lastBefore = node.raft.status().lastIndex;
    node.raft.step({ type: 'propose', from: 2, to: 1, term, entries: [{ type: 'conf-change', term: 0, index: 0, change: { type: 'remove', id: 3 } }] });
    expect(node.raft.status().lastIndex).toBe(lastBefore);
  });
});
