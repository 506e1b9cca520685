// Unit tests of RaftNode's public API through a small in-memory cluster.

import { describe, expect, it } from 'vitest';
import { MemoryStorage, RaftNode, bootstrapEntries, bootstrapHardState } from '../../src/raft/index.js';
import { eventRecord } from '../../src/shared/log-catalogue.js';
import { Cluster, bytes, drain, members, seededRandom } from './harness.js';

describe('elections and replication', () => {
  it('elects one leader and replicates proposals to every node', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const result = leader.raft.propose(bytes('a=1'));
    expect(result.ok).toBe(true);
    cluster.settle();
    cluster.tick(3);
    for (const id of [1, 2, 3]) expect(cluster.appliedData(id)).toEqual(['a=1']);
    const leaders = [1, 2, 3].map((id) => cluster.node(id).raft.status().leader);
    expect(new Set(leaders)).toEqual(new Set([leader.id]));
  });

  it('a leader counts its own entries toward the commit quorum only once they are durable', () => {
    // The runtime sends a leader's appends before its own fsync; one follower's ack must not commit alone.
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(3);
    const proposed = leader.raft.propose(bytes('a=1'));
    if (!proposed.ok || proposed.forwarded) throw new Error('proposal not appended here');
    const rd = leader.raft.ready();
    const followerId = leader.id === 1 ? 2 : 1;
    const follower = cluster.node(followerId);
    for (const m of rd.messages) if (m.to === followerId) follower.raft.step(m);
    const acks = drain(follower).filter((m) => m.to === leader.id && m.type === 'append-response');
    expect(acks.length).toBeGreaterThan(0);
    for (const m of acks) leader.raft.step(m);
    expect(leader.raft.status().commit).toBeLessThan(proposed.index);
    leader.storage.append(rd.entries);
    if (rd.hardState) leader.storage.setHardState(rd.hardState);
    leader.raft.advance(rd);
    expect(leader.raft.status().commit).toBe(proposed.index);
  });

  it('refuses proposals with no-leader before any election', () => {
    const cluster = new Cluster([1, 2, 3]);
    expect(cluster.node(1).raft.propose(bytes('x'))).toEqual({ ok: false, reason: 'no-leader', leader: 0 });
  });

  it('a single voter elects itself and commits on its own', () => {
    const cluster = new Cluster([1]);
    cluster.node(1).raft.campaign();
    cluster.settle();
    expect(cluster.node(1).raft.status().role).toBe('leader');
    const result = cluster.node(1).raft.propose(bytes('solo'));
    cluster.settle();
    expect(result.ok && !result.forwarded && cluster.node(1).raft.status().commit).toBe(result.ok && !result.forwarded ? result.index : -1);
    expect(cluster.appliedData(1)).toEqual(['solo']);
  });

  it('a leader cut off from its quorum steps down (check-quorum)', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.isolate(leader.id);
    cluster.tick(25);
    expect(leader.raft.status().role).not.toBe('leader');
    const stepped = leader.events.find((e) => e.type === 'stepped-down');
    expect(stepped && eventRecord(stepped).fields.reason).toBe('check-quorum');
    expect(leader.raft.hasActiveQuorum()).toBe(false);
  });

  it('reports an active quorum on a healthy leader and its followers', () => {
    const cluster = new Cluster([1, 2, 3]);
    cluster.electLeader();
    cluster.tick(12);
    for (const id of [1, 2, 3]) expect(cluster.node(id).raft.hasActiveQuorum()).toBe(true);
  });
});

describe('bootstrap rule', () => {
  it('nodes bootstrapped with the same voters write the same log', () => {
    expect(bootstrapEntries(members([3, 1, 2]))).toEqual(bootstrapEntries(members([1, 2, 3])));
    expect(bootstrapEntries(members([1, 2])).map((e) => e.index)).toEqual([1, 2]);
  });

  it('refuses an initial membership that does not contain the node', () => {
    const storage = new MemoryStorage();
    storage.append(bootstrapEntries(members([2, 3])));
    storage.setHardState(bootstrapHardState(members([2, 3])));
    expect(() => new RaftNode({ id: 1, random: seededRandom(1) }, storage)).toThrow(/not in its initial membership/);
  });

  it('an empty node never campaigns and says so once', () => {
    const cluster = new Cluster([]);
    const node = cluster.addNode(7);
    cluster.tick(100);
    expect(node.raft.status().role).toBe('follower');
    expect(node.raft.status().term).toBe(0);
    const notVoter = node.events.filter((e) => e.type === 'not-a-voter');
    expect(notVoter).toHaveLength(1);
    expect(eventRecord(notVoter[0]!).msg).toBe('not a voter; will not campaign');
  });
});

describe('membership changes', () => {
  it('adds a joining learner, replicates the whole log from index 1, then promotes it', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    leader.raft.propose(bytes('before-join'));
    cluster.settle();
    const joiner = cluster.addNode(4);
    expect(leader.raft.proposeConfChange({ type: 'add-learner', id: 4, addr: '127.0.0.1:9194' }).ok).toBe(true);
    cluster.tick(4);
    expect(joiner.raft.status().membership.learners.map((m) => m.id)).toEqual([4]);
    expect(cluster.appliedData(4)).toEqual(['before-join']);
    expect(leader.raft.proposeConfChange({ type: 'promote', id: 4 }).ok).toBe(true);
    cluster.tick(4);
    expect(leader.raft.status().membership.voters.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    const applied = joiner.events.filter((e) => e.type === 'membership-applied').map((e) => eventRecord(e).fields.change);
    expect(applied).toContain('promote 4');
  });

  it('a joining node behind a compacted log catches up from a snapshot', () => {
    const cluster = new Cluster([1]);
    const leader = cluster.node(1);
    leader.raft.campaign();
    for (let i = 0; i < 5; i++) leader.raft.propose(bytes(`before-${i}`));
    cluster.settle();
    const { applied, membership } = leader.raft.status();
    leader.storage.createSnapshot(applied, membership, bytes('state'));
    leader.storage.compact(applied);
    const joiner = cluster.addNode(2);
    expect(leader.raft.proposeConfChange({ type: 'add-learner', id: 2, addr: '127.0.0.1:9192' }).ok).toBe(true);
    cluster.tick(5);
    expect(joiner.storage.snapshot().meta.index).toBe(applied);
    expect(joiner.raft.status().membership.learners.map((m) => m.id)).toEqual([2]);
    leader.raft.propose(bytes('after'));
    cluster.tick(3);
    expect(cluster.appliedData(2)).toEqual(['after']);
    expect(joiner.raft.status().applied).toBe(leader.raft.status().applied);
  });

  it('allows one change at a time', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.isolate(leader.id === 1 ? 2 : 1);
    cluster.isolate(leader.id === 3 ? 2 : 3);
    expect(leader.raft.proposeConfChange({ type: 'add-learner', id: 4, addr: 'h:4' }).ok).toBe(true);
    const second = leader.raft.proposeConfChange({ type: 'add-learner', id: 5, addr: 'h:5' });
    expect(second).toMatchObject({ ok: false, reason: 'conf-change-pending' });
    expect(leader.raft.status().pendingConfChange).toBe(true);
  });

  it('refuses changes to non-members and duplicate voters', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(2);
    expect(leader.raft.proposeConfChange({ type: 'remove', id: 9 })).toMatchObject({ ok: false, reason: 'not-member' });
    expect(leader.raft.proposeConfChange({ type: 'add-voter', id: 2, addr: 'x:1' })).toMatchObject({
      ok: false,
      reason: 'invalid-change',
    });
  });

  it('a leader that removes itself keeps leading until the removal commits, then steps down', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(2);
    expect(leader.raft.proposeConfChange({ type: 'remove', id: leader.id }).ok).toBe(true);
    cluster.settle();
    expect(leader.raft.status().role).toBe('follower');
    const stepped = leader.events.find((e) => e.type === 'stepped-down');
    expect(stepped && eventRecord(stepped).fields.reason).toBe('removed');
    cluster.tick(60);
    const next = cluster.leader();
    expect(next?.id).not.toBe(leader.id);
    expect(next?.raft.status().membership.voters.map((m) => m.id)).not.toContain(leader.id);
    expect(leader.events.filter((e) => e.type === 'not-a-voter')).toHaveLength(1);
  });
});

describe('a leader whose own removal never left it', () => {
  it('campaigns again so the remaining voter can commit the removal (found by sim seed 169)', () => {
    const cluster = new Cluster([1, 2]);
    const leader = cluster.electLeader();
    const other = leader.id === 1 ? 2 : 1;
    cluster.tick(2);
    cluster.isolate(leader.id);
    expect(leader.raft.proposeConfChange({ type: 'remove', id: leader.id }).ok).toBe(true);
    cluster.tick(30);
    expect(leader.raft.status().role).not.toBe('leader');
    cluster.heal();
    cluster.tick(120);
    expect(cluster.leader()?.id).toBe(other);
    expect(cluster.node(other).raft.status().membership.voters.map((m) => m.id)).toEqual([other]);
    expect(cluster.node(other).raft.status().pendingConfChange).toBe(false);
  });
});

describe('reads and transfers', () => {
  it('serves a read index on the leader and through a follower', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(1);
    leader.raft.propose(bytes('w'));
    cluster.settle();
    expect(leader.raft.readIndex('r1')).toEqual({ ok: true });
    cluster.settle();
    expect(leader.readStates).toEqual([{ context: 'r1', index: leader.raft.status().commit }]);
    const follower = cluster.node(leader.id === 1 ? 2 : 1);
    expect(follower.raft.readIndex('r2')).toEqual({ ok: true });
    cluster.settle();
    expect(follower.readStates).toEqual([{ context: 'r2', index: leader.raft.status().commit }]);
  });

  it('a leader cut off from the others never answers a read', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(1);
    cluster.isolate(leader.id);
    leader.raft.readIndex('lost');
    cluster.tick(5);
    expect(leader.readStates).toEqual([]);
  });

  it('transfers leadership to a caught-up voter', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(1);
    const target = leader.id === 3 ? 2 : 3;
    expect(leader.raft.transferLeader(target)).toEqual({ ok: true });
    cluster.settle();
    expect(cluster.node(target).raft.status().role).toBe('leader');
    const stepped = leader.events.find((e) => e.type === 'stepped-down');
    expect(stepped && eventRecord(stepped).fields.reason).toBe('transfer');
    expect(leader.events.some((e) => e.type === 'leadership-transfer-started')).toBe(true);
  });

  it('refuses proposals while a transfer is under way', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(1);
    const target = leader.id === 3 ? 2 : 3;
    cluster.isolate(target);
    leader.raft.transferLeader(target);
    expect(leader.raft.propose(bytes('x'))).toMatchObject({ ok: false, reason: 'transferring' });
  });
});

describe('eventRecord', () => {
  it('renders catalogue messages with node and term first', () => {
    const record = eventRecord({
      type: 'starting-election',
      node: 2,
      term: 5,
      preVote: true,
      voters: [1, 2, 3],
      lastIndex: 9,
      lastTerm: 4,
    });
    expect(record).toEqual({
      level: 'info',
      msg: 'starting election',
      fields: { node: 2, term: 5, pre_vote: true, voters: [1, 2, 3], last_index: 9, last_term: 4 },
    });
    expect(Object.keys(record.fields).slice(0, 2)).toEqual(['node', 'term']);
  });
});
