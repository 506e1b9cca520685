// Paper tests: each case quotes the sentence of the Raft paper (Ongaro & Ousterhout, "In Search of
// an Understandable Consensus Algorithm", extended version) or of Ongaro's dissertation that it checks.

import { describe, expect, it } from 'vitest';
import { MemoryStorage, RaftNode, bootstrapEntries, type Message, type NodeId } from '../../src/raft/index.js';
import { Cluster, bytes, drain, members, seededRandom, soloNode, type TestNode } from './harness.js';

const classic = { preVote: false, checkQuorum: false };

function vote(from: NodeId, to: NodeId, term: number, lastIndex: number, lastTerm: number): Message {
  return { type: 'vote', from, to, term, lastIndex, lastTerm, transfer: false };
}

function grant(from: NodeId, to: NodeId, term: number): Message {
  return { type: 'vote-response', from, to, term, reject: false };
}

function appendResponse(from: NodeId, to: NodeId, term: number, index: number): Message {
  return { type: 'append-response', from, to, term, index, reject: false, rejectHint: 0, hintTerm: 0 };
}

/** A node whose log holds the bootstrap entries followed by entries of the given terms. */
function nodeWithLog(id: NodeId, voters: NodeId[], terms: number[], term: number): TestNode {
  const storage = new MemoryStorage();
  const boot = bootstrapEntries(members(voters));
  storage.append([
    ...boot,
    ...terms.map((t, i) => ({ type: 'normal' as const, term: t, index: boot.length + i + 1, data: bytes(`e${i}`) })),
  ]);
  storage.setHardState({ term, vote: 0, commit: boot.length });
  const raft = new RaftNode({ id, random: seededRandom(id), ...classic }, storage);
  return { id, storage, raft, applied: [], readStates: [], events: [] };
}

/** Make `node` leader of its voters by hand (classic elections: no pre-vote). */
function elect(node: TestNode, voters: NodeId[]): Message[] {
  node.raft.campaign();
  const term = node.raft.status().term;
  drain(node);
  for (const id of voters) if (id !== node.id) node.raft.step(grant(id, node.id, term));
  expect(node.raft.status().role).toBe('leader');
  return drain(node);
}

function ticksUntilCampaign(node: TestNode): number {
  for (let ticks = 1; ticks < 100; ticks++) {
    node.raft.tick();
    if (node.raft.status().role !== 'follower') return ticks;
  }
  throw new Error('never campaigned');
}

describe('§5.1 terms', () => {
  it('"If a candidate or leader discovers that its term is out of date, it immediately reverts to follower state."', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    elect(leader, [1, 2, 3]);
    leader.raft.step(appendResponse(2, 1, 9, 0));
    expect(leader.raft.status()).toMatchObject({ role: 'follower', term: 9 });
  });

  it('"If a server receives a request with a stale term number, it rejects the request."', () => {
    const follower = soloNode(2, [1, 2, 3], classic);
    follower.raft.step(appendResponse(3, 2, 5, 0));
    const entry = { type: 'normal' as const, term: 4, index: 4, data: bytes('stale') };
    follower.raft.step({ type: 'append', from: 1, to: 2, term: 4, prevIndex: 3, prevTerm: 1, entries: [entry], commit: 4 });
    expect(follower.raft.status()).toMatchObject({ term: 5, lastIndex: 3, commit: 3 });
  });
});

describe('§5.2 leader election', () => {
  it('"To begin an election, a follower increments its current term and transitions to candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of the other servers"', () => {
    const node = soloNode(1, [1, 2, 3], classic);
    ticksUntilCampaign(node);
    expect(node.raft.status()).toMatchObject({ role: 'candidate', term: 2, vote: 1 });
    const votes = drain(node).filter((m) => m.type === 'vote');
    expect(votes.map((m) => m.to).sort()).toEqual([2, 3]);
    expect(votes.every((m) => m.term === 2)).toBe(true);
  });

  it('"election timeouts are chosen randomly from a fixed interval"', () => {
    const waits = new Set<number>();
    for (let id = 1; id <= 40; id++) {
      const wait = ticksUntilCampaign(soloNode(id, [id, 100, 101], { ...classic, electionTicks: 10 }));
      expect(wait).toBeGreaterThanOrEqual(10);
      expect(wait).toBeLessThan(20);
      waits.add(wait);
    }
    expect(waits.size).toBeGreaterThan(3);
  });

  it('"A candidate wins an election if it receives votes from a majority of the servers in the full cluster for the same term."', () => {
    const node = soloNode(1, [1, 2, 3, 4, 5], classic);
    node.raft.campaign();
    drain(node);
    node.raft.step(grant(2, 1, 2));
    expect(node.raft.status().role).toBe('candidate');
    node.raft.step(grant(3, 1, 1));
    expect(node.raft.status().role).toBe('candidate');
    node.raft.step(grant(4, 1, 2));
    expect(node.raft.status().role).toBe('leader');
  });

  it('"Each server will vote for at most one candidate in a given term, on a first-come-first-served basis"', () => {
    const voter = soloNode(1, [1, 2, 3], classic);
    voter.raft.step(vote(2, 1, 2, 3, 1));
    voter.raft.step(vote(3, 1, 2, 3, 1));
    voter.raft.step(vote(2, 1, 2, 3, 1));
    const answers = drain(voter).filter((m) => m.type === 'vote-response');
    expect(answers.map((m) => [m.to, m.type === 'vote-response' && m.reject])).toEqual([
      [2, false],
      [3, true],
      [2, false],
    ]);
    expect(voter.raft.status().vote).toBe(2);
  });

  it('"If the leader\'s term (included in its RPC) is at least as large as the candidate\'s current term, then the candidate recognizes the leader as legitimate and returns to follower state."', () => {
    const candidate = soloNode(1, [1, 2, 3], classic);
    candidate.raft.campaign();
    drain(candidate);
    candidate.raft.step({ type: 'heartbeat', from: 2, to: 1, term: 2, commit: 3 });
    expect(candidate.raft.status()).toMatchObject({ role: 'follower', leader: 2, term: 2 });
  });

  it('"If the term in the RPC is smaller than the candidate\'s current term, then the candidate rejects the RPC and continues in candidate state."', () => {
    const candidate = soloNode(1, [1, 2, 3], classic);
    candidate.raft.campaign();
    candidate.raft.campaign();
    drain(candidate);
    candidate.raft.step({ type: 'heartbeat', from: 2, to: 1, term: 2, commit: 3 });
    expect(candidate.raft.status()).toMatchObject({ role: 'candidate', term: 3 });
  });

  it('"Once a candidate wins an election, it becomes leader. It then sends heartbeat messages to all of the other servers"', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    const sent = elect(leader, [1, 2, 3]);
    expect(sent.filter((m) => m.type === 'append').map((m) => m.to).sort()).toEqual([2, 3]);
    leader.raft.tick();
    leader.raft.tick();
    expect(drain(leader).filter((m) => m.type === 'heartbeat').map((m) => m.to).sort()).toEqual([2, 3]);
  });
});

describe('§5.3 log replication', () => {
  it('"The leader appends the command to its log as a new entry, then issues AppendEntries RPCs in parallel to each of the other servers"', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    elect(leader, [1, 2, 3]);
    // Once each follower acknowledged the no-op, the leader knows where their logs end.
    leader.raft.step(appendResponse(2, 1, 2, 4));
    leader.raft.step(appendResponse(3, 1, 2, 4));
    drain(leader);
    const result = leader.raft.propose(bytes('x=1'));
    expect(result).toMatchObject({ ok: true, index: 5, term: 2 });
    const appends = drain(leader).filter((m) => m.type === 'append');
    expect(appends.map((m) => m.to).sort()).toEqual([2, 3]);
    expect(appends.every((m) => m.type === 'append' && m.entries[0]?.index === 5)).toBe(true);
  });

  it('"A log entry is committed once the leader that created the entry has replicated it on a majority of the servers"', () => {
    const leader = soloNode(1, [1, 2, 3, 4, 5], classic);
    elect(leader, [1, 2, 3, 4, 5]);
    leader.raft.propose(bytes('x=1'));
    drain(leader);
    leader.raft.step(appendResponse(2, 1, 2, 7));
    expect(leader.raft.status().commit).toBe(5);
    leader.raft.step(appendResponse(3, 1, 2, 7));
    expect(leader.raft.status().commit).toBe(7);
  });

  it('"it includes that index in future AppendEntries RPCs (including heartbeats) so that the other servers eventually find out"', () => {
    const cluster = new Cluster([1, 2, 3], classic);
    const leader = cluster.electLeader();
    leader.raft.propose(bytes('x=1'));
    cluster.settle();
    cluster.tick(3);
    for (const id of [1, 2, 3]) {
      expect(cluster.node(id).raft.status().commit).toBe(leader.raft.status().commit);
      expect(cluster.appliedData(id)).toEqual(['x=1']);
    }
  });

  it('"If the follower does not find an entry in its log with the same index and term, then it refuses the new entries."', () => {
    const follower = soloNode(2, [1, 2, 3], classic);
    const entry = { type: 'normal' as const, term: 2, index: 6, data: bytes('x') };
    follower.raft.step({ type: 'append', from: 1, to: 2, term: 2, prevIndex: 5, prevTerm: 2, entries: [entry], commit: 6 });
    const [response] = drain(follower).filter((m) => m.type === 'append-response');
    expect(response).toMatchObject({ reject: true, index: 5, rejectHint: 3, hintTerm: 1 });
    expect(follower.raft.status().lastIndex).toBe(3);
  });

  it('"conflicting entries in follower logs will be overwritten with entries from the leader\'s log"', () => {
    const cluster = new Cluster([1, 2, 3], classic);
    const first = cluster.electLeader();
    cluster.isolate(first.id);
    for (let i = 0; i < 5; i++) first.raft.propose(bytes(`lost-${i}`));
    cluster.settle();
    const others = [1, 2, 3].filter((id) => id !== first.id);
    let second: TestNode | undefined;
    for (let i = 0; i < 100 && second === undefined; i++) {
      cluster.tick();
      second = others.map((id) => cluster.node(id)).find((n) => n.raft.status().role === 'leader');
    }
    second?.raft.propose(bytes('kept'));
    cluster.heal();
    cluster.tick(40);
    for (const id of [1, 2, 3]) expect(cluster.appliedData(id)).toEqual(['kept']);
  });

  it('"the follower can include the term of the conflicting entry and the first index it stores for that term" (fast back-off)', () => {
    // Leader log: 1-3 term 1, 4-6 term 2, 7-9 term 4; it leads term 6 with its no-op at 10.
    const leader = nodeWithLog(1, [1, 2, 3], [2, 2, 2, 4, 4, 4], 5);
    elect(leader, [1, 2, 3]);
    // Follower 2 holds 4-9 from a term-3 leader: it rejects prev 9/4, hinting its entry 9 has term 3.
    leader.raft.step({ type: 'append-response', from: 2, to: 1, term: 6, index: 9, reject: true, rejectHint: 9, hintTerm: 3 });
    const [retry] = drain(leader).filter((m) => m.type === 'append' && m.to === 2);
    // The leader skips all of term 4 at once: its last entry of term <= 3 is 6.
    expect(retry).toMatchObject({ prevIndex: 6, prevTerm: 2 });
  });
});

describe('§5.4.1 election restriction', () => {
  it('"the voter denies its vote if its own log is more up-to-date than that of the candidate"', () => {
    const voter = soloNode(1, [1, 2, 3], classic);
    elect(voter, [1, 2, 3]);
    voter.raft.step(vote(2, 1, 5, 10, 1));
    voter.raft.step(vote(3, 1, 5, 3, 1));
    const answers = drain(voter).filter((m) => m.type === 'vote-response');
    expect(answers.map((m) => m.type === 'vote-response' && m.reject)).toEqual([true, true]);
  });

  it('"If the logs end with the same term, then whichever log is longer is more up-to-date."', () => {
    const shorter = soloNode(1, [1, 2, 3], classic);
    shorter.raft.step(vote(2, 1, 2, 2, 1));
    shorter.raft.step(vote(3, 1, 3, 4, 1));
    const answers = drain(shorter).filter((m) => m.type === 'vote-response');
    expect(answers.map((m) => [m.to, m.type === 'vote-response' && m.reject])).toEqual([
      [2, true],
      [3, false],
    ]);
  });
});

describe('§5.4.2 committing entries from previous terms', () => {
  it('"Raft never commits log entries from previous terms by counting replicas."', () => {
    const node = soloNode(1, [1, 2, 3], classic);
    // An entry of term 2 that the term-2 leader never committed.
    node.raft.step({
      type: 'append',
      from: 2,
      to: 1,
      term: 2,
      prevIndex: 3,
      prevTerm: 1,
      entries: [{ type: 'normal', term: 2, index: 4, data: bytes('old') }],
      commit: 3,
    });
    drain(node);
    elect(node, [1, 2, 3]);
    expect(node.raft.status()).toMatchObject({ term: 3, lastIndex: 5 });
    node.raft.step(appendResponse(3, 1, 3, 4));
    expect(node.raft.status().commit).toBe(3);
    // "once an entry from the current term has been committed in this way, then all prior entries are committed indirectly"
    node.raft.step(appendResponse(3, 1, 3, 5));
    expect(node.raft.status().commit).toBe(5);
  });
});

describe('§6 cluster membership changes', () => {
  it('"a server always uses the latest configuration in its log, regardless of whether the entry is committed"', () => {
    const follower = soloNode(2, [1, 2, 3], classic);
    follower.raft.step({
      type: 'append',
      from: 1,
      to: 2,
      term: 2,
      prevIndex: 3,
      prevTerm: 1,
      entries: [{ type: 'conf-change', term: 2, index: 4, change: { type: 'add-voter', id: 4, addr: 'h:4' } }],
      commit: 3,
    });
    expect(follower.raft.status()).toMatchObject({ commit: 3, pendingConfChange: true });
    expect(follower.raft.status().membership.voters.map((m) => m.id)).toEqual([1, 2, 3, 4]);
  });

  it('"the new servers join the cluster as non-voting members (the leader replicates log entries to them, but they are not considered for majorities)"', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    elect(leader, [1, 2, 3]);
    leader.raft.step(appendResponse(2, 1, 2, 4));
    expect(leader.raft.proposeConfChange({ type: 'add-learner', id: 4, addr: 'h:4' }).ok).toBe(true);
    leader.raft.step(appendResponse(2, 1, 2, 5));
    leader.raft.propose(bytes('x'));
    const sent = drain(leader);
    expect(sent.some((m) => m.type === 'append' && m.to === 4)).toBe(true);
    leader.raft.step(appendResponse(4, 1, 2, 6));
    expect(leader.raft.status().commit).toBe(5);
    leader.raft.step(appendResponse(3, 1, 2, 6));
    expect(leader.raft.status().commit).toBe(6);
  });

  it('"the leader steps down (returns to follower state) once it has committed the C_new log entry ... it replicates log entries but does not count itself in majorities"', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    elect(leader, [1, 2, 3]);
    leader.raft.step(appendResponse(2, 1, 2, 4));
    expect(leader.raft.proposeConfChange({ type: 'remove', id: 1 }).ok).toBe(true);
    drain(leader);
    // Leader and node 2 are a majority of {1,2,3} but not of the new configuration {2,3}.
    leader.raft.step(appendResponse(2, 1, 2, 5));
    expect(leader.raft.status()).toMatchObject({ role: 'leader', commit: 4 });
    leader.raft.step(appendResponse(3, 1, 2, 5));
    expect(leader.raft.status()).toMatchObject({ role: 'follower', commit: 5 });
    expect(leader.events.some((e) => e.type === 'stepped-down' && e.reason === 'removed')).toBe(true);
  });

  it('"if a server receives a RequestVote RPC within the minimum election timeout of hearing from a current leader, it does not update its term or grant its vote"', () => {
    const follower = soloNode(2, [1, 2, 3]);
    follower.raft.step({ type: 'heartbeat', from: 1, to: 2, term: 2, commit: 3 });
    drain(follower);
    follower.raft.step(vote(3, 2, 5, 10, 2));
    expect(follower.raft.status()).toMatchObject({ term: 2, vote: 0, leader: 1 });
    expect(drain(follower).filter((m) => m.type === 'vote-response')).toEqual([]);
  });

  it('one change at a time, and only after the new leader committed an entry of its term (dissertation §4.1, §4.3 bug fix)', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    elect(leader, [1, 2, 3]);
    const early = leader.raft.proposeConfChange({ type: 'add-learner', id: 4, addr: 'h:4' });
    expect(early).toMatchObject({ ok: false, reason: 'conf-change-pending' });
    leader.raft.step(appendResponse(2, 1, 2, 4));
    expect(leader.raft.proposeConfChange({ type: 'add-learner', id: 4, addr: 'h:4' }).ok).toBe(true);
    expect(leader.raft.proposeConfChange({ type: 'add-learner', id: 5, addr: 'h:5' })).toMatchObject({
      ok: false,
      reason: 'conf-change-pending',
    });
  });
});

describe('pre-vote (dissertation §9.6)', () => {
  it('"a candidate only increments its term if it first learns from a majority of the cluster that they would be willing to grant the candidate their votes"', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    const term = leader.raft.status().term;
    const loner = cluster.node(leader.id === 3 ? 2 : 3);
    cluster.isolate(loner.id);
    cluster.tick(100);
    expect(loner.raft.status()).toMatchObject({ term, role: 'pre-candidate' });
    cluster.heal();
    cluster.tick(5);
    expect(leader.raft.status()).toMatchObject({ role: 'leader', term });
    expect(loner.raft.status()).toMatchObject({ role: 'follower', leader: leader.id, term });
  });

  it('granting a pre-vote changes neither the voter\'s term nor its vote', () => {
    const voter = soloNode(1, [1, 2, 3]);
    voter.raft.step({ type: 'pre-vote', from: 2, to: 1, term: 2, lastIndex: 3, lastTerm: 1, transfer: false });
    const [answer] = drain(voter);
    expect(answer).toMatchObject({ type: 'pre-vote-response', term: 2, reject: false });
    expect(voter.raft.status()).toMatchObject({ term: 1, vote: 0 });
  });
});

describe('check-quorum (dissertation §6.2)', () => {
  it('"the leader steps down if an election timeout elapses without a successful round of heartbeats to a majority of its cluster"', () => {
    const leader = soloNode(1, [1, 2, 3]);
    leader.raft.campaign();
    drain(leader);
    leader.raft.step({ type: 'pre-vote-response', from: 2, to: 1, term: 2, reject: false });
    drain(leader);
    leader.raft.step(grant(2, 1, 2));
    expect(leader.raft.status().role).toBe('leader');
    for (let i = 0; i < 10; i++) {
      leader.raft.tick();
      leader.raft.step({ type: 'heartbeat-response', from: 2, to: 1, term: 2 });
    }
    expect(leader.raft.status().role).toBe('leader');
    for (let i = 0; i < 20; i++) leader.raft.tick();
    expect(leader.raft.status().role).toBe('follower');
  });
});

describe('§8 client interaction: read-only requests', () => {
  it('"a leader must check whether it has been deposed before processing a read-only request" and must first commit "a blank no-op entry"', () => {
    const leader = soloNode(1, [1, 2, 3], classic);
    elect(leader, [1, 2, 3]);
    leader.raft.readIndex('r1');
    expect(drain(leader).filter((m) => m.type === 'heartbeat')).toEqual([]);
    leader.raft.step(appendResponse(2, 1, 2, 4));
    const heartbeats = drain(leader).filter((m) => m.type === 'heartbeat');
    expect(heartbeats.map((m) => m.type === 'heartbeat' && m.context)).toEqual(['r1', 'r1']);
    expect(leader.readStates).toEqual([]);
    leader.raft.step({ type: 'heartbeat-response', from: 3, to: 1, term: 2, context: 'r1' });
    drain(leader);
    expect(leader.readStates).toEqual([{ context: 'r1', index: 4 }]);
  });
});

describe('leadership transfer (dissertation §3.10)', () => {
  it('"the prior leader sends a TimeoutNow request to the target server", which campaigns at once despite the lease', () => {
    const cluster = new Cluster([1, 2, 3]);
    const leader = cluster.electLeader();
    cluster.tick(2);
    const target = leader.id === 2 ? 3 : 2;
    const term = leader.raft.status().term;
    leader.raft.transferLeader(target);
    cluster.settle();
    expect(cluster.node(target).raft.status()).toMatchObject({ role: 'leader', term: term + 1 });
  });
});
