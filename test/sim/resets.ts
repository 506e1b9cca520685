// Connection resets in the simulator: a link between two members cut with resets (traffic dropped,
// reconnects refused, so both ends' runtimes report the connection lost), healing at once or after a
// while; and the reset-only scenarios, where the leader stays reachable by a quorum throughout and so
// must never be deposed: no member's term may move once a leader is established (docs/node.md).

import type { NodeId } from '../../src/raft/index.js';
import type { SimCluster } from './cluster.js';
import { InvariantViolation } from './invariants.js';
import { Prng } from './prng.js';

/** Ticks after a cut heals until the leader has surely been heard again: a heartbeat interval (at most 3), a delay (at most 1), slack. */
const HEALTHY_AFTER = 6;

export interface ResetMix {
  /** Resets are the only fault: no loss, crashes, partitions, membership changes or transfers. */
  only: boolean;
  /** Per-tick chance of cutting a link with resets. */
  rate: number;
  /** Chance that a crash kills the process on a live host, resetting every peer's stream to it. */
  crashResets: number;
}

/** Drawn from its own stream (seeded from the scenario's seed), so the rest of a scenario's mix is unchanged. */
export function chooseResetMix(seed: number): ResetMix {
  const rng = new Prng((seed ^ 0x5e7c0de) >>> 0);
  const only = rng.chance(0.25);
  return { only, rate: only || rng.chance(0.5) ? 0.01 + rng.next() * 0.1 : 0, crashResets: rng.next() };
}

export class ResetFaults {
  /** When each cut link ("a>b", cut in both directions) heals, in ticks. */
  private readonly healAt = new Map<string, number>();
  /** Reset-only scenarios: the leader and term every member agreed on before the first reset. */
  private baseline: { leader: NodeId; term: number } | undefined;
  resets = 0;
  private lastHealed = 0;

  constructor(
    private readonly cluster: SimCluster,
    private readonly rng: Prng,
    private readonly mix: ResetMix,
  ) {}

  /** Once per chaos tick: heal what is due, maybe cut another link, and (reset-only) check the term. */
  step(leader: NodeId | undefined): void {
    const { cluster, rng, mix } = this;
    for (const [link, at] of this.healAt) {
      if (cluster.now < at) continue;
      this.healAt.delete(link);
      const [a, b] = link.split('>');
      cluster.resetCuts.delete(`${a}>${b}`);
      cluster.resetCuts.delete(`${b}>${a}`);
      this.lastHealed = cluster.now;
      cluster.log(`reset link n${a}-n${b} healed`);
    }
    if (mix.only) {
      this.checkNoDisruption();
      if (this.baseline === undefined) return;
    }
    if (!rng.chance(mix.rate)) return;
    const live = [...cluster.nodes.values()].filter((n) => n.alive).map((n) => n.id);
    if (live.length < 2) return;
    const a = leader !== undefined && rng.chance(0.7) ? leader : rng.pick(live);
    const b = rng.pick(live.filter((id) => id !== a));
    if (mix.only && !this.healthy()) return;
    this.cut(a, b);
  }

  /** Cut a-b with resets: both ends see the stream close; a reset that heals at once is never reported. */
  private cut(a: NodeId, b: NodeId): void {
    const { cluster, rng } = this;
    const link = a < b ? `${a}>${b}` : `${b}>${a}`;
    if (this.healAt.has(link)) return;
    const blip = rng.chance(0.5);
    const duration = blip ? rng.next() * 0.05 : rng.int(1, 40);
    this.healAt.set(link, cluster.now + duration);
    cluster.resetCuts.add(`${a}>${b}`);
    cluster.resetCuts.add(`${b}>${a}`);
    this.resets++;
    cluster.log(`reset link n${a}-n${b} for ${duration.toFixed(2)} ticks`);
    // The kernel resets both ends within a moment; each runtime's reconnect is answered soon after.
    cluster.connectionReset(a, b, 0.01 + rng.next() * 0.09);
    cluster.connectionReset(b, a, 0.01 + rng.next() * 0.09);
  }

  /**
   * Reset-only: a new cut only hits a healthy cluster: no link is cut, and the last one healed long enough
   * ago (HEALTHY_AFTER ticks) for the leader's heartbeats to have reached every member since. Judged from
   * outside, not by the members' own view, so a member that fails to trust its leader again is caught. A
   * second reset while a follower is still out of touch is another case: no quorum then vouches for the
   * leader, and an election is the right outcome (docs/node.md).
   */
  private healthy(): boolean {
    return this.baseline !== undefined && this.healAt.size === 0 && this.cluster.now - this.lastHealed >= HEALTHY_AFTER;
  }

  /**
   * Reset-only: once every member follows one leader in one term, that term is final. A pre-vote may be
   * tried (and refused), but a term moving means a reset alone deposed (or tried to depose) a healthy leader.
   */
  private checkNoDisruption(): void {
    const statuses = [...this.cluster.nodes.values()].map((n) => n.raft?.status());
    if (this.baseline === undefined) {
      const first = statuses[0];
      if (first === undefined || first.leader === 0) return;
      if (statuses.every((s) => s !== undefined && s.term === first.term && s.leader === first.leader && s.commit > 1)) {
        this.baseline = { leader: first.leader, term: first.term };
        this.cluster.log(`reset-only: leader n${first.leader} of term ${first.term} established; its term must not move`);
      }
      return;
    }
    for (const status of statuses) {
      if (status !== undefined && status.term !== this.baseline.term) {
        throw new InvariantViolation(
          'no disruption by resets',
          `node ${status.id} is at term ${status.term} (${status.role}) though leader ${this.baseline.leader} of term ${this.baseline.term} kept a quorum and only connections were reset`,
        );
      }
    }
  }

  /** Whether this crash kills a process on a live host (every peer's connection resets) or the host (silence). */
  crashResets(): boolean {
    return this.rng.chance(this.mix.crashResets);
  }

  /** Healing: every cut link is restored. */
  heal(): void {
    this.healAt.clear();
    this.cluster.resetCuts.clear();
  }
}
