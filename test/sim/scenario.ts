// One seeded scenario: a cluster under a random fault mix (loss, duplication, delay, partitions,
// crashes, membership changes, transfers, reads), then a healed phase that must make progress.

import { isMember, type Membership, type NodeId } from '../../src/raft/index.js';
import { SimCluster, calmNetwork, type NetworkFaults, type RaftTuning } from './cluster.js';
import { InvariantViolation } from './invariants.js';
import { Prng } from './prng.js';
import { chooseResetMix, ResetFaults, type ResetMix } from './resets.js';

export interface FaultMix {
  initialVoters: number;
  chaosTicks: number;
  network: NetworkFaults;
  /** Per-tick chances of each disruption during the chaos phase. */
  partitionRate: number;
  oneWayRate: number;
  crashRate: number;
  confChangeRate: number;
  transferRate: number;
  compactRate: number;
  proposeRate: number;
  readRate: number;
  tuning: RaftTuning;
  resets: ResetMix;
}

export interface ScenarioResult {
  seed: number;
  ok: boolean;
  violation?: string;
  mix: FaultMix;
  ticks: number;
  stats: SimCluster['stats'] & { proposals: number; confChanges: number; transfers: number; partitions: number; resets: number };
}

/**
 * Bounds for the healed phase, in ticks after healing: a first leader by LEADER_BOUND; a fresh
 * proposal committed and applied on every member by CATCH_UP_BOUND. Commit may wait for a voter to
 * catch up (a just-promoted learner far behind), at the pace its inflight window and batch size allow,
 * and a leader that removed itself steps down only once that removal commits.
 */
export const LEADER_BOUND = 100;
export const CATCH_UP_BOUND = 600;
const MAX_VOTERS = 7;
const KEYS = ['a', 'b', 'c', 'd'];

export function chooseMix(rng: Prng, seed: number): FaultMix {
  const lossy = rng.chance(0.7);
  const mix: FaultMix = {
    initialVoters: rng.pick([1, 2, 3, 3, 3, 4, 5, 5]),
    chaosTicks: rng.int(150, 400),
    network: {
      dropRate: lossy ? rng.next() * 0.2 : 0,
      duplicateRate: rng.chance(0.5) ? rng.next() * 0.1 : 0,
      minDelay: 0.02,
      maxDelay: 0.2 + rng.next() * 1.5,
      longDelayRate: rng.chance(0.5) ? rng.next() * 0.05 : 0,
      longDelay: 10,
    },
    partitionRate: rng.chance(0.7) ? rng.next() * 0.06 : 0,
    oneWayRate: rng.next() * 0.5,
    crashRate: rng.chance(0.7) ? rng.next() * 0.03 : 0,
    confChangeRate: rng.chance(0.6) ? rng.next() * 0.05 : 0,
    transferRate: rng.chance(0.5) ? rng.next() * 0.03 : 0,
    compactRate: rng.chance(0.5) ? rng.next() * 0.08 : 0,
    proposeRate: 0.2 + rng.next() * 0.8,
    readRate: rng.next() * 0.3,
    tuning: {
      electionTicks: 10,
      heartbeatTicks: rng.pick([1, 2, 3]),
      maxInflight: rng.pick([2, 8, 64]),
      maxEntriesPerAppend: rng.pick([1, 3, 64]),
    },
    resets: chooseResetMix(seed),
  };
  if (mix.resets.only) {
    // Nothing but resets may unsettle the leader: a reliable network (delay well below a heartbeat
    // interval), no crashes, partitions, membership changes or transfers, and room for one cut follower.
    mix.initialVoters = mix.initialVoters >= 4 ? 5 : 3;
    mix.network = { ...mix.network, dropRate: 0, duplicateRate: 0, longDelayRate: 0, maxDelay: Math.min(mix.network.maxDelay, 1) };
    mix.partitionRate = 0;
    mix.crashRate = 0;
    mix.confChangeRate = 0;
    mix.transferRate = 0;
  }
  return mix;
}

export function runScenario(seed: number, trace?: (line: string) => void): ScenarioResult {
  const rng = new Prng(seed);
  const mix = chooseMix(rng, seed);
  // Reset timing draws from its own stream, seeded apart, so a scenario without resets replays as before.
  const resetRng = new Prng((seed ^ 0x7e5e7) >>> 0);
  const cluster = new SimCluster(rng.fork(), mix.tuning, trace, resetRng.fork());
  const driver = new Driver(cluster, rng.fork(), mix, new ResetFaults(cluster, resetRng.fork(), mix.resets));
  const extra = { proposals: 0, confChanges: 0, transfers: 0, partitions: 0, resets: 0 };
  driver.counters = extra;
  let ticks = 0;
  try {
    cluster.log(`seed ${seed} mix ${JSON.stringify(mix)}`);
    cluster.bootstrap(Array.from({ length: mix.initialVoters }, (_, i) => i + 1));
    for (; ticks < mix.chaosTicks; ticks++) {
      driver.chaos();
      cluster.scheduleTicks();
      cluster.runUntil(cluster.now + 1);
    }
    ticks += driver.heal();
    extra.resets = driver.resets.resets;
    return { seed, ok: true, mix, ticks, stats: { ...cluster.stats, ...extra } };
  } catch (error) {
    const violation = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (!(error instanceof InvariantViolation)) cluster.log(`exception ${error instanceof Error ? error.stack : ''}`);
    extra.resets = driver.resets.resets;
    return { seed, ok: false, violation, mix, ticks, stats: { ...cluster.stats, ...extra } };
  }
}

class Driver {
  counters = { proposals: 0, confChanges: 0, transfers: 0, partitions: 0, resets: 0 };
  private nextId: number;
  private valueCounter = 0;
  private restartAt = new Map<NodeId, number>();

  constructor(
    private readonly cluster: SimCluster,
    private readonly rng: Prng,
    private readonly mix: FaultMix,
    readonly resets: ResetFaults,
  ) {
    this.nextId = mix.initialVoters + 1;
    cluster.faults = mix.network;
  }

  /** The live node that believes it leads in the highest term, if any. */
  leader(): NodeId | undefined {
    let best: { id: NodeId; term: number } | undefined;
    for (const node of this.cluster.nodes.values()) {
      const status = node.raft?.status();
      if (status?.role === 'leader' && (best === undefined || status.term > best.term)) best = { id: node.id, term: status.term };
    }
    return best?.id;
  }

  private aliveIds(): NodeId[] {
    return [...this.cluster.nodes.values()].filter((n) => n.alive).map((n) => n.id);
  }

  chaos(): void {
    const { rng, mix, cluster } = this;
    for (const [id, at] of this.restartAt) {
      if (cluster.now >= at) {
        this.restartAt.delete(id);
        cluster.restart(id);
      }
    }
    if (rng.chance(mix.partitionRate)) this.repartition();
    this.resets.step(this.leader());
    if (rng.chance(mix.crashRate)) {
      const alive = this.aliveIds();
      // Half the crashes hit the leader, where a crash loses the most in-flight work; some of the others hit a
      // node whose write is in flight (a vote or an acknowledgement not yet durable must not have left).
      const leader = rng.chance(0.5) ? this.leader() : undefined;
      const writing = rng.chance(0.5) ? [...cluster.nodes.values()].find((n) => n.alive && n.writing)?.id : undefined;
      if (alive.length > 0) {
        const victim = leader ?? writing ?? rng.pick(alive);
        cluster.crash(victim, this.resets.crashResets());
        this.restartAt.set(victim, cluster.now + rng.int(1, 60));
      }
    }
    if (rng.chance(mix.confChangeRate)) this.changeMembership();
    if (rng.chance(mix.transferRate)) this.transfer();
    if (rng.chance(mix.compactRate)) {
      const alive = this.aliveIds();
      if (alive.length > 0) cluster.compact(rng.pick(alive), rng.int(0, 10));
    }
    const proposals = rng.chance(mix.proposeRate) ? rng.int(1, 4) : 0;
    for (let i = 0; i < proposals; i++) this.propose();
    if (rng.chance(mix.readRate)) {
      const alive = this.aliveIds();
      if (alive.length > 0) cluster.read(rng.pick(alive), rng.pick(KEYS));
    }
  }

  private repartition(): void {
    const { rng, cluster } = this;
    this.counters.partitions++;
    cluster.blocked.clear();
    if (rng.chance(0.3)) {
      cluster.log('network healed');
      return;
    }
    const ids = [...cluster.nodes.keys()];
    const leader = this.leader();
    if (leader !== undefined && rng.chance(0.4)) {
      // Cut the leader off right after it took proposals: its uncommitted tail becomes a stale branch.
      for (const other of ids) {
        if (other === leader) continue;
        cluster.blocked.add(`${leader}>${other}`);
        cluster.blocked.add(`${other}>${leader}`);
      }
    } else if (rng.chance(this.mix.oneWayRate)) {
      // One-way faults: some links drop in one direction only.
      const cuts = rng.int(1, ids.length);
      for (let i = 0; i < cuts; i++) {
        const from = rng.pick(ids);
        const to = rng.pick(ids);
        if (from !== to) cluster.blocked.add(`${from}>${to}`);
      }
    } else {
      const side = new Set(ids.filter(() => rng.chance(0.5)));
      for (const a of ids) for (const b of ids) if (side.has(a) !== side.has(b)) cluster.blocked.add(`${a}>${b}`);
    }
    cluster.log(`partition ${[...cluster.blocked].join(' ')}`);
  }

  /** A client writes at any live member, as clients spread over all endpoints do: followers forward. */
  private propose(): void {
    const { rng, cluster } = this;
    const target = rng.chance(0.3) ? this.leader() : undefined;
    const alive = this.aliveIds();
    const id = target ?? (alive.length > 0 ? rng.pick(alive) : undefined);
    if (id === undefined) return;
    const node = cluster.node(id);
    const command = `${rng.pick(KEYS)}=v${++this.valueCounter}`;
    const result = node.raft?.propose(new TextEncoder().encode(command));
    if (result === undefined) return;
    this.counters.proposals++;
    if (result.ok) node.waiting.set(command, result.forwarded ? undefined : result.index);
    const outcome = !result.ok ? result.reason : result.forwarded ? `forwarded to n${result.leader}` : `${result.index}/${result.term}`;
    cluster.log(`n${id} propose ${command} -> ${outcome}`);
    cluster.afterInput(node);
  }

  private changeMembership(): void {
    const { rng, cluster } = this;
    const leaderId = this.leader();
    if (leaderId === undefined) return;
    const leader = cluster.node(leaderId);
    const membership = leader.raft?.status().membership;
    if (membership === undefined) return;
    const voters = membership.voters.map((m) => m.id);
    const learners = membership.learners.map((m) => m.id);
    const choice = rng.next();
    let change;
    if (learners.length > 0 && choice < 0.4) change = { type: 'promote' as const, id: rng.pick(learners) };
    else if (choice < 0.65 && voters.length + learners.length < MAX_VOTERS) {
      const id = this.nextId++;
      cluster.addEmptyNode(id);
      change = rng.chance(0.6)
        ? { type: 'add-learner' as const, id, addr: cluster.node(id).addr }
        : { type: 'add-voter' as const, id, addr: cluster.node(id).addr };
    } else if (voters.length > 1) {
      change = { type: 'remove' as const, id: rng.pick([...voters, ...learners]) };
    } else return;
    const result = leader.raft?.proposeConfChange(change);
    this.counters.confChanges++;
    cluster.log(`n${leaderId} conf change ${JSON.stringify(change)} -> ${result?.ok ? `${result.index}` : result?.reason}`);
    cluster.afterInput(leader);
  }

  private transfer(): void {
    const { rng, cluster } = this;
    const alive = this.aliveIds();
    if (alive.length === 0) return;
    const asker = cluster.node(rng.pick(alive));
    const voters = asker.raft?.status().membership.voters.map((m) => m.id) ?? [];
    if (voters.length === 0) return;
    const target = rng.pick(voters);
    const result = asker.raft?.transferLeader(target);
    this.counters.transfers++;
    cluster.log(`n${asker.id} transfer leadership to n${target} -> ${result?.ok ? 'ok' : result?.reason}`);
    cluster.afterInput(asker);
  }

  /** Stop all faults and require progress: a leader, then a fresh proposal applied on every member. */
  heal(): number {
    const { cluster } = this;
    cluster.log('--- healing: faults stop, crashed nodes restart ---');
    cluster.blocked.clear();
    this.resets.heal();
    cluster.faults = calmNetwork;
    for (const id of cluster.nodes.keys()) cluster.restart(id);
    this.restartAt.clear();
    let marker: { index: number; term: number; command: string } | undefined;
    let committedAt: number | undefined;
    let sawLeader = false;
    for (let tick = 1; tick <= CATCH_UP_BOUND; tick++) {
      cluster.scheduleTicks();
      cluster.runUntil(cluster.now + 1);
      const leaderId = this.leader();
      const status = leaderId === undefined ? undefined : cluster.node(leaderId).raft?.status();
      if (leaderId === undefined || status === undefined) {
        if (!sawLeader && tick >= LEADER_BOUND) throw new InvariantViolation('liveness', `no leader ${tick} ticks after healing`);
        continue;
      }
      sawLeader = true;
      // A marker from a deposed leader's term that has not committed may be lost: propose another.
      if (marker !== undefined && status.term !== marker.term && status.commit < marker.index) marker = undefined;
      if (marker === undefined) {
        marker = this.proposeMarker(leaderId);
        continue;
      }
      if (committedAt === undefined && status.commit >= marker.index) {
        committedAt = tick;
        cluster.log(`marker committed at index ${marker.index}, ${tick} ticks after healing`);
      }
      if (committedAt !== undefined && this.appliedEverywhere(status.membership, marker.index)) {
        cluster.checker.checkAcknowledged();
        return tick;
      }
    }
    const what = committedAt === undefined ? 'commit' : 'reach every member';
    throw new InvariantViolation('liveness', `a proposal made after healing did not ${what} within ${CATCH_UP_BOUND} ticks`);
  }

  private proposeMarker(leaderId: NodeId): { index: number; term: number; command: string } | undefined {
    const leader = this.cluster.node(leaderId);
    const command = `marker=m${this.valueCounter++}`;
    const result = leader.raft?.propose(new TextEncoder().encode(command));
    if (result === undefined) return undefined;
    const appended = result.ok && !result.forwarded ? result : undefined;
    this.cluster.log(`n${leaderId} propose ${command} -> ${appended !== undefined ? `${appended.index}/${appended.term}` : 'not appended'}`);
    this.cluster.afterInput(leader);
    return appended !== undefined ? { index: appended.index, term: appended.term, command } : undefined;
  }

  private appliedEverywhere(membership: Membership, index: number): boolean {
    for (const node of this.cluster.nodes.values()) {
      if (!isMember(membership, node.id)) continue;
      if (node.appliedIndex < index) return false;
    }
    return true;
  }
}
