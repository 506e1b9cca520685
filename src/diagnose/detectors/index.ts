// The table of detectors, one module per rule, and how their drafts become findings: detectors conclude
// in table order (a rule may look at what an earlier one reported), then drafts of one code and severity
// merge into one finding naming every node it affects, as SPEC.md's `nodes` list wants.
import { CODES } from '../codes.js';
import { isoOrNull, SEVERITY_RANK, type Evidence, type Finding } from '../model.js';
import type { NodeState, Timeline } from '../timeline.js';
import { campaignUnreachable } from './campaign-unreachable.js';
import { clusterIdMismatch } from './cluster-id-mismatch.js';
import { committedEntryConflict } from './committed-entry-conflict.js';
import { droppedProposals } from './dropped-proposals.js';
import { electionBurst } from './election-burst.js';
import { electionStorm } from './election-storm.js';
import { emptyVoters } from './empty-voters.js';
import { DEFAULT_ELECTION_TIMEOUT_MS, displayName, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';
import { hostUnreachable } from './host-unreachable.js';
import { leaderless } from './leaderless.js';
import { messagesNotSent } from './messages-not-sent.js';
import { noLeader } from './no-leader.js';
import { notPromotable } from './not-promotable.js';
import { peerUnreachable } from './peer-unreachable.js';
import { peersNotVoters } from './peers-not-voters.js';
import { quorumLost } from './quorum-lost.js';
import { removedMember } from './removed-member.js';
import { heartbeatLate, slowDisk } from './slow-signals.js';
import { splitBrain } from './split-brain.js';
import { stateReset } from './state-reset.js';
import { stuckAtTerm0 } from './stuck-at-term-0.js';
import { termClimb } from './term-climb.js';
import { unreachableMajority } from './unreachable-majority.js';
import { voterMismatch } from './voter-mismatch.js';

/** Every rule, in the order they conclude: one that looks at another's findings comes after it. */
export const DETECTORS: readonly DetectorEntry[] = [
  stateReset,
  emptyVoters,
  peersNotVoters,
  stuckAtTerm0,
  droppedProposals,
  notPromotable,
  noLeader,
  unreachableMajority,
  leaderless,
  quorumLost,
  peerUnreachable,
  campaignUnreachable,
  hostUnreachable,
  clusterIdMismatch,
  committedEntryConflict,
  removedMember,
  messagesNotSent,
  slowDisk,
  heartbeatLate,
  splitBrain,
  electionStorm,
  electionBurst,
  termClimb,
  voterMismatch,
];

/** Runs each detector's conclusion in order and turns the drafts into findings. */
export function conclude(timeline: Timeline, detectors: readonly Detector[]): Finding[] {
  const nodes = [...timeline.nodes.values()].filter((n) => n.id !== '?');
  const byGroup = new Map<string, NodeState[]>();
  for (const node of nodes) {
    const list = byGroup.get(node.group) ?? [];
    list.push(node);
    byGroup.set(node.group, list);
  }
  const drafts: Draft[] = [];
  const view: View = {
    timeline,
    nodes,
    byGroup,
    electionTimeout: (group) => timeline.groups.get(group)?.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS,
    reported: (code, node) => drafts.find((d) => d.code === code && d.nodes.includes(node)),
  };
  for (const detector of detectors) drafts.push(...detector.finish(view));
  return mergeByCode(drafts)
    .map(build)
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (a.firstSeen ?? '').localeCompare(b.firstSeen ?? '') || a.code.localeCompare(b.code));
}

function build(draft: Draft): Finding {
  const info = CODES[draft.code];
  const seen = new Set<string>();
  const evidence = draft.evidence.filter((e) => {
    const key = `${e.file}:${e.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return {
    ...(draft.refines === undefined ? {} : { refines: draft.refines }),
    code: draft.code,
    severity: draft.severity ?? info.severity,
    nodes: [...new Set(draft.nodes.map(displayName))].sort(),
    summary: draft.summary,
    count: draft.count,
    firstSeen: isoOrNull(draft.first),
    lastSeen: isoOrNull(draft.last),
    evidence: evidence.slice(0, 5),
    remediation: info.remediation,
  };
}

/** One draft per code and severity, naming every node it affects. */
function mergeByCode(drafts: Draft[]): Draft[] {
  const merged = new Map<string, Draft[]>();
  for (const draft of drafts) {
    const key = `${draft.code}/${draft.severity ?? ''}`;
    merged.set(key, [...(merged.get(key) ?? []), draft]);
  }
  return [...merged.values()].map((group) => {
    if (group.length === 1) return group[0]!;
    const firsts = group.map((d) => d.first).filter((t): t is number => t !== undefined);
    const lasts = group.map((d) => d.last).filter((t): t is number => t !== undefined);
    // Evidence round-robin: the most telling line of each part first.
    const evidence: Evidence[] = [];
    for (let i = 0; evidence.length < 5 && group.some((d) => d.evidence.length > i); i++) {
      for (const d of group) if (d.evidence[i] !== undefined) evidence.push(d.evidence[i]!);
    }
    const summaries = group.map((d) => d.summary);
    return {
      code: group[0]!.code,
      severity: group[0]!.severity,
      nodes: group.flatMap((d) => d.nodes),
      summary: summaries.length <= 3 ? summaries.join('; ') : `${summaries.slice(0, 3).join('; ')}; and ${summaries.length - 3} more`,
      count: group.reduce((sum, d) => sum + d.count, 0),
      first: firsts.length > 0 ? Math.min(...firsts) : undefined,
      last: lasts.length > 0 ? Math.max(...lasts) : undefined,
      evidence,
    };
  });
}
