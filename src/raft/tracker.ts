// What a leader tracks about the cluster: one Progress per member, the voter set its quorums
// count, and the votes of an election in progress.

import { Progress } from './progress.js';
import { committedIndex, hasQuorum, voteResult, type VoteResult } from './quorum.js';
import type { NodeId } from './types.js';

export class ProgressTracker {
  private readonly progress = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();
  /** Sorted; set from the membership in effect. Learners have a Progress but no say here. */
  private voterIds: readonly NodeId[] = [];

  constructor(private readonly maxInflight: number) {}

  get voters(): readonly NodeId[] {
    return this.voterIds;
  }

  setVoters(voters: readonly NodeId[]): void {
    this.voterIds = voters;
  }

  get(id: NodeId): Progress | undefined {
    return this.progress.get(id);
  }

  /** Start tracking `id` with `next` as the first index to send, unless it is tracked already. */
  add(id: NodeId, next: number): Progress {
    const existing = this.progress.get(id);
    if (existing !== undefined) return existing;
    const pr = new Progress(id, next, this.maxInflight);
    this.progress.set(id, pr);
    return pr;
  }

  /** Forget every member not in `keep` (a membership change removed them). */
  retain(keep: ReadonlySet<NodeId>): void {
    for (const id of this.progress.keys()) if (!keep.has(id)) this.progress.delete(id);
  }

  ids(): IterableIterator<NodeId> {
    return this.progress.keys();
  }

  values(): IterableIterator<Progress> {
    return this.progress.values();
  }

  clear(): void {
    this.progress.clear();
    this.votes.clear();
  }

  /** The highest index a majority of voters holds. */
  committed(): number {
    return committedIndex(this.voterIds, (id) => this.progress.get(id)?.match ?? 0);
  }

  /** A majority of voters was heard from since the last check (`self` always counts). */
  quorumActive(self: NodeId): boolean {
    return hasQuorum(this.voterIds, (id) => id === self || this.progress.get(id)?.recentActive === true);
  }

  resetVotes(): void {
    this.votes.clear();
  }

  recordVote(id: NodeId, granted: boolean): void {
    this.votes.set(id, granted);
  }

  voteResult(): VoteResult {
    return voteResult(this.voterIds, this.votes);
  }
}
