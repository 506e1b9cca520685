// ELECTION_STORM seen through terms, from a few lines. Every term begins with an election somewhere in
// the cluster, so how far a node's term is beyond a reference counts elections the excerpt never shows.
// References: the term of the last entry in the node's log (a vote request states it: no leader reached
// the node after it), and the term of the last leader the node followed or was. Elections the node's own
// logged attempts account for are left to NO_LEADER, which judges campaigns; the rest are elections
// elsewhere in the cluster, or attempts the excerpt does not show. Rule, when a campaign or a leader
// change puts the node beyond a reference:
// - both ends timed (a leader reference and a later line): a rise of six terms or more, at six elections
//   per storm window (max(60 s, 30 election timeouts)) or faster, as election-storm.ts counts six
//   attempts: terms going 29 -> 59 within two minutes;
// - otherwise (a log-term reference, or untimed lines): STORM_TERMS (30) terms or more, 30 being the storm
//   window in election timeouts and each election lasting one at least: a whole window spent electing.
// Stale terms are never a reference: what a node knew before a restart is dropped at its start line.
// When the climb ends in a campaign that no leader answers before the excerpt ends, no leader reached
// the node through all those elections: NO_LEADER as well.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { DEFAULT_ELECTION_TIMEOUT_MS, displayName, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

const STORM_TERMS = 30;
const WINDOW_ELECTIONS = 6;

interface Reference {
  term: number;
  time?: number;
  evidence: Evidence;
  /** The node's own attempts counted when the reference was taken. */
  attempts: number;
  kind: 'log' | 'leader';
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
  leader?: Reference;
  worst?: Climb;
}

class TermClimb implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'vote-requested', 'became-leader', 'leader-known', 'node-start'] as const;
  private readonly nodes = new PerNode<State>(() => ({ attempts: 0 }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'node-start') {
      // What the node knew before it stopped says nothing about the elections held since.
      state.leader = undefined;
      return;
    }
    if (step.attempt) state.attempts++;
    if (step.leader !== undefined && state.worst !== undefined) state.worst.unanswered = false;
    const term = event.term;
    if (term === undefined) return;
    const windowMs = Math.max(60_000, 30 * (step.group.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS));
    if (state.leader !== undefined) this.consider(state, state.leader, term, event, windowMs);
    if (event.kind === 'vote-requested' && event.logTerm !== undefined) this.consider(state, { term: event.logTerm, evidence: event.evidence, attempts: 0, kind: 'log' }, term, event, windowMs);
    if (step.leader !== undefined) state.leader = { term, time: event.time, evidence: event.evidence, attempts: state.attempts, kind: 'leader' };
  }

  /** Keeps the storm-sized climb from `from` to this event that accounts for the most elections. */
  private consider(state: State, from: Reference, term: number, event: RaftEvent, windowMs: number): void {
    const unexplained = term - from.term - (state.attempts - from.attempts);
    if (state.worst !== undefined && state.worst.unexplained >= unexplained) return;
    const timed = from.kind === 'leader' && from.time !== undefined && event.time !== undefined && event.time >= from.time;
    const span = timed ? event.time! - from.time! : undefined;
    const storm = span !== undefined ? unexplained >= WINDOW_ELECTIONS && unexplained * windowMs >= WINDOW_ELECTIONS * Math.max(span, 1) : unexplained >= STORM_TERMS;
    const campaign = event.kind !== 'became-leader' && event.kind !== 'leader-known';
    if (storm) state.worst = { from, term, time: event.time, evidence: event.evidence, unexplained, span, unanswered: campaign };
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, { worst }] of this.nodes.named()) {
      if (worst === undefined) continue;
      const { from, unexplained, span } = worst;
      const since = from.kind === 'log' ? `the last entry in its log is from term ${from.term}` : `the last leader it had was at term ${from.term}`;
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
