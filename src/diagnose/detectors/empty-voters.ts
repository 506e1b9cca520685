// EMPTY_VOTERS: a node runs with a configuration of zero voters. Rule: the last configuration the node
// reported was empty, no leader showed up after it, and it kept running that way: something went wrong
// after it (a leader wait, a dropped proposal, a refusal to campaign), or Raft was created on it (the
// node became follower at term 0 after the empty configuration, as raft-rs logs its start, and never
// left term 0 in what was read), or it stayed so for 30 election timeouts. A member whose log was wiped
// (STATE_RESET, earlier in the table) also starts empty, but that finding says more.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface State {
  empty?: { time?: number; evidence: Evidence; etcdRaft: boolean };
  leaderSince: boolean;
  /** Leader waits, dropped proposals and refusals to campaign since the empty configuration. */
  distress: number;
  /** The node became follower at term 0 after the empty configuration. */
  createdEmpty?: Evidence;
  leaderWait?: Evidence;
  dropped?: Evidence;
}

class EmptyVoters implements Detector {
  readonly kinds = ['config', 'dropped-proposal', 'leader-wait-timeout', 'not-promotable', 'became-follower', 'became-leader', 'leader-known'] as const;
  private readonly nodes = new PerNode<State>(() => ({ leaderSince: false, distress: 0 }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (step.leader !== undefined) state.leaderSince = true;
    switch (event.kind) {
      case 'config':
        if (event.voters === undefined) return;
        if (event.voters.length > 0) state.empty = undefined;
        else {
          state.empty = { time: event.time, evidence: event.evidence, etcdRaft: event.reason === 'etcd-raft' };
          state.leaderSince = false;
          state.distress = 0;
          state.createdEmpty = undefined;
        }
        return;
      case 'became-follower':
        // etcd-raft logs this very pair at every member's start (before StartNode hands it its peers, or
        // before a joining member's leader first reaches it): in its wording the pair alone is a start.
        if (state.empty !== undefined && !state.empty.etcdRaft && event.term === 0) state.createdEmpty ??= event.evidence;
        return;
      case 'dropped-proposal':
        if (step.node.stopping || event.reason === 'no-leader-read') return;
        state.distress++;
        state.dropped ??= event.evidence;
        return;
      case 'leader-wait-timeout':
        state.distress++;
        state.leaderWait ??= event.evidence;
        return;
      case 'not-promotable':
        if (!step.node.stopping) state.distress++;
        return;
      default:
        return;
    }
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      const empty = state.empty;
      if (empty === undefined || state.leaderSince) continue;
      const et = view.electionTimeout(node.group);
      const lingered = empty.time !== undefined && node.lastSeen !== undefined && node.lastSeen - empty.time >= Math.max(30_000, 30 * et);
      const stillAtZero = state.createdEmpty !== undefined && node.lastTerm === 0;
      const reset = view.reported('STATE_RESET', node);
      const resetAfter = reset !== undefined && (empty.time === undefined || (reset.last ?? Infinity) >= empty.time);
      if (!(state.distress > 0 || lingered || stillAtZero) || resetAfter) continue;
      drafts.push({
        code: 'EMPTY_VOTERS',
        nodes: [node],
        summary: `node ${displayName(node)} runs with an empty voter set: it cannot elect a leader or commit anything`,
        count: 1,
        first: empty.time,
        last: empty.time,
        evidence: [empty.evidence, state.createdEmpty, state.leaderWait, state.dropped].filter((e): e is Evidence => e !== undefined),
      });
    }
    return drafts;
  }
}

export const emptyVoters: DetectorEntry = { name: 'empty-voters', codes: ['EMPTY_VOTERS'], create: () => new EmptyVoters() };
