// ELECTION_STORM seen through terms, from a few lines. Every term begins with an election somewhere in
// the cluster, so how far a node's term is beyond a reference counts elections the excerpt never shows.
// References: the term of the last entry in the node's log (a vote request states it: no leader reached
// the node after it), and the term of the last leader the node followed, was, or just lost. Elections the node's own
// logged attempts account for are left to NO_LEADER, which judges campaigns; the rest are elections
// elsewhere in the cluster, or attempts the excerpt does not show. Rule, when a campaign or a leader
// change puts the node beyond a reference:
// - both ends timed (a leader reference and a later line): a rise of six terms or more, at six elections
//   per storm window (max(60 s, 30 election timeouts)) or faster, as election-storm.ts counts six
//   attempts: terms going 29 -> 59 within two minutes;
// - otherwise (a log-term reference, or untimed lines): STORM_TERMS (30) terms or more, 30 being the storm
//   window in election timeouts and each election lasting one at least: a whole window spent electing.
// With no reference in the lines, a campaign seen failing (a restarted election, or a second attempt with
// no leader since) at ORIGIN_TERMS (100) or more counts from the cluster's first term: hundreds of
// elections, and they are still failing.
// Stale terms are never a reference: what a node knew before a restart is dropped at its start line.
// When the climb ends in a campaign that no leader answers before the excerpt ends, no leader reached
// the node through all those elections: NO_LEADER as well. For NO_LEADER alone, a campaign at a term
// three or more beyond the node's log term is enough, its own attempts included (the three attempts
// no-leader.ts asks for): three elections since a leader last reached it, and this one unanswered.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { DEFAULT_ELECTION_TIMEOUT_MS, type Detector, type DetectorEntry, displayName, type Draft, ORIGIN_TERMS, PerNode } from './kit.js';

const STORM_TERMS = 30;
const UNREACHED_TERMS = 3;
const WINDOW_ELECTIONS = 6;

interface Reference {
  term: number;
  time?: number;
  evidence: Evidence;
  /** The node's own attempts counted when the reference was taken. */
  attempts: number;
  kind: 'log' | 'leader' | 'origin';
}

interface Climb {
  from: Reference;
  term: number;
  time?: number;
  evidence: Evidence;
  unexplained: number;
  /** Milliseconds between the two ends, when the rate rule judged it. */
  span?: number;
  /** The climb ended in a campaign, and no leader was seen after it. */
  unanswered: boolean;
}

interface State {
  attempts: number;
  /** Attempts since the node last had a leader, and whether one of them restarted a timed-out election. */
  sinceLeader: number;
  restarted: boolean;
  /** A vote request stated the node's log term: the better reference. */
  logSeen: boolean;
  leader?: Reference;
  worst?: Climb;
  /** The unanswered campaign furthest beyond the node's log term, own attempts included. */
  unreached?: { term: number; logTerm: number; evidence: Evidence; time?: number };
}

const CAMPAIGN = new Set<string>(['election-started', 'became-pre-candidate', 'became-candidate', 'vote-requested']);

class TermClimb implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'vote-requested', 'became-leader', 'leader-known', 'leader-lost', 'became-follower', 'vote-cast', 'vote-rejected', 'node-start'] as const;
  private readonly nodes = new PerNode<State>(() => ({ attempts: 0, sinceLeader: 0, restarted: false, logSeen: false }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'node-start') {
      // What the node knew before it stopped says nothing about the elections held since.
      state.leader = undefined;
      state.sinceLeader = 0;
      state.restarted = false;
      return;
    }
    if (step.attempt) {
      state.attempts++;
      state.sinceLeader++;
      if (event.reason === 'restart') state.restarted = true;
    }
    if (step.leader !== undefined) {
      state.unreached = undefined;
      state.sinceLeader = 0;
      state.restarted = false;
      if (state.worst !== undefined) state.worst.unanswered = false;
    }
    const term = event.term;
    if (term === undefined) return;
    const windowMs = Math.max(60_000, 30 * (step.group.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS));
    if (state.leader !== undefined) this.consider(state, state.leader, term, event, windowMs, STORM_TERMS);
    if (event.kind === 'vote-requested' && event.logTerm !== undefined) {
      state.logSeen = true;
      if (term - event.logTerm >= UNREACHED_TERMS && (state.unreached === undefined || term - event.logTerm > state.unreached.term - state.unreached.logTerm)) {
        state.unreached = { term, logTerm: event.logTerm, evidence: event.evidence, time: event.time };
      }
      this.consider(state, { term: event.logTerm, evidence: event.evidence, attempts: 0, kind: 'log' }, term, event, windowMs, STORM_TERMS);
    }
    // No reference at all: the term counts every election since the cluster began.
    const failing = state.restarted || state.sinceLeader >= 2;
    if (CAMPAIGN.has(event.kind) && failing && state.leader === undefined && !state.logSeen) this.consider(state, { term: 0, evidence: event.evidence, attempts: 0, kind: 'origin' }, term, event, windowMs, ORIGIN_TERMS);
    // The node's term is current while it leads, follows a leader, or has just lost one.
    if (step.leader !== undefined || event.kind === 'leader-lost') state.leader = { term, time: event.time, evidence: event.evidence, attempts: state.attempts, kind: 'leader' };
  }

  /** Keeps the storm-sized climb from `from` to this event that accounts for the most elections. */
  private consider(state: State, from: Reference, term: number, event: RaftEvent, windowMs: number, untimedBar: number): void {
    const unexplained = term - from.term - (state.attempts - from.attempts);
    if (state.worst !== undefined && state.worst.unexplained >= unexplained) return;
    const timed = from.kind === 'leader' && from.time !== undefined && event.time !== undefined && event.time >= from.time;
    const span = timed ? event.time! - from.time! : undefined;
    const storm = span !== undefined ? unexplained >= WINDOW_ELECTIONS && unexplained * windowMs >= WINDOW_ELECTIONS * Math.max(span, 1) : unexplained >= untimedBar;
    if (storm) state.worst = { from, term, time: event.time, evidence: event.evidence, unexplained, span, unanswered: CAMPAIGN.has(event.kind) };
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, { worst, unreached }] of this.nodes.named()) {
      if (unreached !== undefined && !worst?.unanswered) {
        drafts.push({
          code: 'NO_LEADER',
          nodes: [node],
          summary: `node ${displayName(node)} campaigns at term ${unreached.term} while the last entry in its log is from term ${unreached.logTerm}, and no leader answers: ${unreached.term - unreached.logTerm} election(s) since a leader last reached it`,
          count: unreached.term - unreached.logTerm,
          first: unreached.time,
          last: unreached.time,
          evidence: [unreached.evidence],
        });
      }
      if (worst === undefined) continue;
      const { from, unexplained, span } = worst;
      const since =
        from.kind === 'log'
          ? `the last entry in its log is from term ${from.term}`
          : from.kind === 'leader'
            ? `the last leader it had was at term ${from.term}`
            : 'its elections keep failing (the term counts every election since the cluster began)';
      const within = span !== undefined ? ` within ${Math.round(span / 1000)}s` : '';
      drafts.push({
        code: 'ELECTION_STORM',
        nodes: [node],
        summary: `node ${displayName(node)} is at term ${worst.term} while ${since}: ${unexplained} election(s)${within} that its own logged attempts do not account for`,
        count: unexplained,
        first: from.time,
        last: worst.time,
        evidence: [from.evidence, worst.evidence],
      });
      if (worst.unanswered) {
        drafts.push({
          code: 'NO_LEADER',
          nodes: [node],
          summary: `node ${displayName(node)} campaigns at term ${worst.term} while ${since}, and no leader answers: no leader has reached it through ${unexplained} election(s)`,
          count: unexplained,
          first: from.time,
          last: worst.time,
          evidence: [worst.evidence, from.evidence],
        });
      }
    }
    return drafts;
  }
}

export const termClimb: DetectorEntry = { name: 'term-climb', codes: ['ELECTION_STORM', 'NO_LEADER'], create: () => new TermClimb() };
