// ELECTION_STORM from back-to-back elections, in a handful of lines. A healthy cluster elects once after
// its leader fails (twice on a split vote) and then keeps that leader; in a storm each election is
// followed by another before the last one's leader has settled. Rule, per node: a burst is a run of
// rises of the node's term, each coming within three election timeouts plus a second (for timestamps in
// whole seconds) of the previous rise, or of the leader that rise produced (a follower that never
// hears from a new leader campaigns within two election timeouts). Every term begins with an election, so
// the burst counts the terms it rose through, from the term the node was at just before (when that line is
// as close to the first rise; else the first rise counts one), or from the node's log term
// when one of its vote lines in the burst states it (no leader reached it since: those elections were not
// settled either). A burst of two rises or more is a storm when it counts three elections or more, or two
// at a term of ORIGIN_TERMS (100) or more with no leader settled when the burst ends (the term says hundreds
// of elections happened before; one failing after another says they still do, as term-climb.ts reads a
// failing campaign; a split vote that ends with a leader stays quiet). Leadership must be in it: a leader
// lost, followed or elected in the burst, and either some rise came from another candidate or a leader was
// seen before a later rise (this node's own campaigns that end in its win are NO_LEADER's to judge,
// no-leader.ts). A burst from term 0 or 1 is the cluster forming; a restart ends a burst, and so does a
// planned leader transfer (etcd's `starts to transfer leadership`, `received MsgTimeoutNow`), whose own
// election is no churn and starts no burst.
import type { Evidence, EventKind, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { DEFAULT_ELECTION_TIMEOUT_MS, type Detector, type DetectorEntry, displayName, type Draft, ORIGIN_TERMS, PerNode, type View } from './kit.js';

const STORM_ELECTIONS = 3;
const MAX_DRAFTS_PER_NODE = 20;

interface Burst {
  /** The term the burst counts from, and the lowest log term a vote line of the node stated in it (and that line). */
  base: number;
  logTerm?: number;
  logTermLine?: Evidence;
  start?: number;
  rises: number;
  term: number;
  end?: number;
  leader: boolean;
  /** A leader was seen (lost, followed or elected) before a later rise: leadership changed hands. */
  churn: boolean;
  /** Some rise was not the node's own election attempt (another candidate's vote, a leader's message). */
  othersRise: boolean;
  evidence: Evidence[];
}

interface State {
  term?: number;
  /** When the node entered its current term, or saw that term's leader; and its last line at that term. */
  anchor?: number;
  lastLine?: number;
  termHadLeader: boolean;
  /** The term a planned transfer the node took part in leads to. */
  transferTerm?: number;
  burst?: Burst;
  found: Draft[];
}

// Lines whose term is the node's own; a received message's term is the sender's until the node follows it.
const OWN_TERM: readonly EventKind[] = ['became-follower', 'became-candidate', 'became-pre-candidate', 'became-leader', 'election-started', 'leader-known', 'leader-lost', 'vote-cast', 'vote-rejected', 'vote-requested', 'term-seen', 'dropped-proposal'];

class ElectionBurst implements Detector {
  readonly kinds: readonly EventKind[] = [...OWN_TERM, 'node-start'];
  private readonly nodes = new PerNode<State>(() => ({ termHadLeader: false, found: [] }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'node-start') {
      // What the node knew before it stopped says nothing about the elections held since.
      this.close(state, step);
      state.term = undefined;
      return;
    }
    const t = event.time;
    const term = event.term;
    if (t === undefined || term === undefined || step.node.stopping) return;
    if (event.reason === 'leader-transfer' && event.kind === 'term-seen') {
      this.close(state, step);
      state.transferTerm = term + 1;
    }
    const gap = 3 * (step.group.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS) + 1000;
    const leader = step.leader !== undefined || event.kind === 'leader-lost';
    if (state.term === undefined || term < state.term) {
      if (state.term === undefined) this.enter(state, term, t, leader);
      else if (state.burst) state.burst.leader ||= leader;
      return;
    }
    if (term === state.term) {
      state.lastLine = t;
      if (step.leader !== undefined) {
        state.anchor = t;
        state.termHadLeader = true;
      }
      if (state.burst && leader) state.burst.leader = true;
      this.logTerm(state, event);
      return;
    }
    // The term rose.
    if (term === state.transferTerm && !state.burst) {
      this.enter(state, term, t, step.leader !== undefined);
      return;
    }
    let burst = state.burst;
    if (burst && state.anchor !== undefined && t - state.anchor > gap) {
      this.close(state, step);
      burst = undefined;
    }
    if (!burst) {
      const previous = state.term;
      const near = state.lastLine !== undefined && t - state.lastLine <= gap;
      burst = { base: near ? previous : term - 1, start: near ? state.lastLine : t, rises: 0, term, leader: false, churn: false, othersRise: false, evidence: [] };
      state.burst = burst;
    }
    if (burst.leader) burst.churn = true;
    burst.rises++;
    burst.term = term;
    burst.end = t;
    burst.leader ||= leader;
    if (!step.attempt && event.kind !== 'became-candidate' && event.kind !== 'became-pre-candidate' && event.kind !== 'vote-requested') burst.othersRise = true;
    if (burst.evidence.length < 4) burst.evidence.push(event.evidence);
    else burst.evidence[3] = event.evidence;
    this.enter(state, term, t, step.leader !== undefined);
    this.logTerm(state, event);
  }

  private enter(state: State, term: number, t: number, hasLeader: boolean): void {
    state.term = term;
    state.anchor = t;
    state.lastLine = t;
    state.termHadLeader = hasLeader;
  }

  private logTerm(state: State, event: RaftEvent): void {
    const burst = state.burst;
    if (!burst || event.logTerm === undefined) return;
    if (event.kind !== 'vote-requested' && event.kind !== 'vote-cast' && event.kind !== 'vote-rejected') return;
    if (burst.logTerm !== undefined && burst.logTerm <= event.logTerm) return;
    burst.logTerm = event.logTerm;
    burst.logTermLine = event.evidence;
  }

  private close(state: State, step: { node: Step['node'] }): void {
    const burst = state.burst;
    state.burst = undefined;
    if (!burst || state.found.length >= MAX_DRAFTS_PER_NODE) return;
    const draft = judge(burst, step.node, state.termHadLeader);
    if (draft) state.found.push(draft);
  }

  finish(_view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      this.close(state, { node });
      drafts.push(...state.found);
    }
    return drafts;
  }
}

function judge(burst: Burst, node: Step['node'], lastTermHadLeader: boolean): Draft | undefined {
  if (burst.rises < 2 || burst.base <= 1 || !burst.leader) return undefined;
  if (!burst.othersRise && !burst.churn) return undefined;
  const from = Math.min(burst.base, burst.logTerm ?? burst.base);
  const elections = burst.term - from;
  const storm = elections >= STORM_ELECTIONS || (elections >= 2 && burst.term >= ORIGIN_TERMS && !lastTermHadLeader);
  if (!storm) return undefined;
  const span = burst.start !== undefined && burst.end !== undefined ? Math.round((burst.end - burst.start) / 1000) : undefined;
  const since = from < burst.base ? `from term ${burst.base} (its log ends at term ${from})` : `from term ${from}`;
  return {
    code: 'ELECTION_STORM',
    nodes: [node],
    summary: `node ${displayName(node)} went ${since} to term ${burst.term}${span !== undefined ? ` within ${span}s` : ''}, each election following the last before its leader settled: ${elections} elections back to back`,
    count: elections,
    first: burst.start,
    last: burst.end,
    evidence: from < burst.base && burst.logTermLine !== undefined ? [...burst.evidence, burst.logTermLine] : burst.evidence,
  };
}

export const electionBurst: DetectorEntry = { name: 'election-burst', codes: ['ELECTION_STORM'], create: () => new ElectionBurst() };
