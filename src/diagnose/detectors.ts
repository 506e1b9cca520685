// Turns the folded state into findings. Each detector states its rule in a comment: thresholds are in
// election timeouts where the logs say what that is, with floors so short healthy hiccups stay quiet.
import type { Analyzer, EvidenceSet, GroupState, Interval, NodeState, TimedEvidence } from './analyzer.js';
import { CODES, type Code } from './codes.js';
import { isoOrNull, SEVERITY_RANK, type Evidence, type Finding, type Severity } from './model.js';

const DEFAULT_ELECTION_TIMEOUT_MS = 1000;

export function displayName(node: NodeState): string {
  return node.group.startsWith('region-') ? `${node.id} (region ${node.group.slice(7)})` : node.id;
}

interface Draft {
  code: Code;
  severity?: Severity;
  nodes: NodeState[];
  summary: string;
  count: number;
  first?: number;
  last?: number;
  evidence: Evidence[];
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

/** One finding per code and severity, naming every node it affects (SPEC.md's `nodes` list). */
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

function fromSet(set: EvidenceSet): Pick<Draft, 'count' | 'first' | 'last' | 'evidence'> {
  return { count: set.count, first: set.first, last: set.last, evidence: [...set.lines] };
}

function overlaps(intervals: Interval[], start: number | undefined, end: number | undefined, fallbackEnd: number | undefined): boolean {
  if (start === undefined) return false;
  const to = end ?? start;
  return intervals.some((i) => i.start !== undefined && i.start <= to && (i.end ?? fallbackEnd ?? Infinity) >= start);
}

export function detect(analyzer: Analyzer): Finding[] {
  const drafts: Draft[] = [];
  const byGroup = new Map<string, NodeState[]>();
  for (const node of analyzer.nodes.values()) {
    if (node.id === '?') continue;
    const list = byGroup.get(node.group) ?? [];
    list.push(node);
    byGroup.set(node.group, list);
  }
  for (const [name, nodes] of byGroup) {
    const group = analyzer.group(name);
    const et = group.electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS;
    for (const node of nodes) detectNode(node, nodes, group, et, drafts);
    detectGroup(group, nodes, et, drafts);
  }
  detectVoterMismatch(analyzer, drafts);
  return mergeByCode(drafts)
    .map(build)
    .sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || (a.firstSeen ?? '').localeCompare(b.firstSeen ?? '') || a.code.localeCompare(b.code));
}

/** True when a majority of the other members had been shut down on purpose at `time` (cluster stop). */
function peersStopped(node: NodeState, nodes: NodeState[], time: number | undefined): boolean {
  if (time === undefined) return false;
  const others = nodes.filter((n) => n !== node);
  if (others.length === 0) return false;
  const stopped = others.filter((n) => n.stopIntervals.some((i) => i.start !== undefined && i.start <= time + 1000 && (i.end ?? Infinity) >= time));
  return stopped.length + 1 > (others.length + 1) / 2 || stopped.length >= Math.ceil(others.length / 2);
}

function detectNode(node: NodeState, nodes: NodeState[], group: GroupState, et: number, drafts: Draft[]): void {
  const neverLeader = node.leaderSeenCount === 0;

  // EMPTY_VOTERS: the last configuration the node reported was empty and no leader showed up after it.
  // It must have kept running that way: something went wrong after it (a leader wait, a dropped
  // proposal, a refusal to campaign) or it stayed so for 30 election timeouts. A member whose log was
  // wiped (STATE_RESET) also starts empty, but that finding says more.
  const empty = node.emptyConfig;
  const lingered = empty !== undefined && empty.time !== undefined && node.lastSeen !== undefined && node.lastSeen - empty.time >= Math.max(30_000, 30 * et);
  const resetAfter = empty !== undefined && node.stateReset.count > 0 && (empty.time === undefined || (node.stateReset.last ?? Infinity) >= empty.time);
  const emptyStuck = empty !== undefined && !node.leaderSinceEmpty && (node.distressSinceEmpty > 0 || lingered) && !resetAfter;
  if (emptyStuck) {
    drafts.push({
      code: 'EMPTY_VOTERS',
      nodes: [node],
      summary: `node ${displayName(node)} runs with an empty voter set: it cannot elect a leader or commit anything`,
      count: 1,
      first: node.emptyConfig!.time,
      last: node.emptyConfig!.time,
      evidence: [node.emptyConfig!.evidence, ...node.leaderWait.lines.slice(0, 1), ...node.dropped.lines.slice(0, 1)],
    });
  }

  // PEERS_NOT_VOTERS: peers were handed to Raft (or the application waited for a cluster) but the
  // voter set stayed empty, or the first configuration after the peers lacks some of them.
  const expectsCluster = node.peersGiven !== undefined || node.leaderWait.count > 0 || node.dropped.count > 0;
  const given = node.peersGiven;
  const missing = given && given.voters.length > 0 && given.configAfter && given.configAfter.length > 0 ? given.voters.filter((id) => !given.configAfter!.includes(id)) : [];
  if ((emptyStuck && expectsCluster) || missing.length > 0) {
    const evidence = [given?.evidence, given?.configEvidence, node.emptyConfig?.evidence, node.leaderWait.lines[0]].filter((e): e is Evidence => e !== undefined);
    drafts.push({
      code: 'PEERS_NOT_VOTERS',
      nodes: [node],
      summary:
        missing.length > 0
          ? `node ${displayName(node)} was given peers ${missing.join(', ')} but they are not in its voter set`
          : `node ${displayName(node)} was started to join a cluster but its voter set is empty: the peers it was given never became voters`,
      count: 1,
      first: node.emptyConfig?.time ?? node.firstSeen,
      last: node.lastSeen,
      evidence,
    });
  }

  // STUCK_AT_TERM_0: every term the node reported is 0, it never campaigned, and something shows it
  // should have: proposals dropped at term 0, a leader-wait timeout, or minutes of silence at term 0.
  // hashicorp logs no term before a candidacy: there, a node that never saw a term and refuses to
  // campaign counts as stuck at term 0 too.
  const onlyTerm0 = node.maxTerm === 0 || (node.maxTerm < 0 && node.notPromotable.count > 0 && !node.leaderSinceNotPromotable);
  const longAtZero = node.firstSeen !== undefined && node.lastSeen !== undefined && node.lastSeen - node.firstSeen >= Math.max(60_000, 30 * et);
  if (onlyTerm0 && node.electionsStarted === 0 && neverLeader && (node.droppedAtTerm0.count > 0 || node.leaderWait.count > 0 || node.notPromotable.count > 0 || longAtZero)) {
    drafts.push({
      code: 'STUCK_AT_TERM_0',
      nodes: [node],
      summary: `node ${displayName(node)} stayed at term 0 and never started an election`,
      count: Math.max(1, node.droppedAtTerm0.count),
      first: node.firstSeen,
      last: node.lastSeen,
      evidence: [node.termEvidence, ...node.droppedAtTerm0.lines.slice(0, 2), ...node.leaderWait.lines.slice(0, 1), ...node.notPromotable.lines.slice(0, 1)].filter((e): e is Evidence => e !== undefined),
    });
  }

  // DROPPED_PROPOSALS: any drop at term 0 (there never was a leader), or drops lasting beyond a few
  // election timeouts; a handful during one election is routine and reported at info.
  if (node.dropped.count > 0) {
    const span = node.dropped.first !== undefined && node.dropped.last !== undefined ? node.dropped.last - node.dropped.first : 0;
    const sustained = node.droppedAtTerm0.count > 0 || neverLeader || span >= Math.max(5000, 5 * et) || node.dropped.count >= 50 || (node.dropped.first === undefined && neverLeader);
    drafts.push({
      code: sustained ? 'DROPPED_PROPOSALS' : 'PROPOSALS_DROPPED_BRIEFLY',
      nodes: [node],
      summary: sustained
        ? `node ${displayName(node)} dropped ${node.dropped.count} proposal(s) because it had no leader${node.droppedAtTerm0.count > 0 ? ' (at term 0: there never was one)' : ''}`
        : `node ${displayName(node)} dropped ${node.dropped.count} proposal(s) during a leader change`,
      ...fromSet(node.dropped),
    });
  }

  // NOT_PROMOTABLE: the node said it cannot campaign, and no leader appeared afterwards.
  if (node.notPromotable.count > 0) {
    const unresolved = !node.leaderSinceNotPromotable;
    if (unresolved) {
      drafts.push({
        code: 'NOT_PROMOTABLE',
        nodes: [node],
        summary: `node ${displayName(node)} is not a voter in its own configuration and will never campaign`,
        ...fromSet(node.notPromotable),
      });
    }
  }

  // NO_LEADER / NODE_ISOLATED: three or more election attempts without a leader in between, lasting
  // at least three election timeouts. If another node followed a leader meanwhile, only this node is cut off.
  for (const campaign of node.campaigns) {
    if (campaign.attempts < 3) continue;
    const end = campaign.outcome === 'open' ? (node.lastSeen ?? campaign.end) : campaign.end;
    if (campaign.start !== undefined && end !== undefined && end - campaign.start < 3 * et) continue;
    if (peersStopped(node, nodes, campaign.start)) continue;
    const others = nodes.filter((n) => n !== node && overlaps(n.leaderIntervals, campaign.start, end, n.lastSeen));
    const terms = campaign.firstTerm !== undefined && campaign.lastTerm !== undefined ? ` (terms ${campaign.firstTerm}..${campaign.lastTerm})` : '';
    if (others.length > 0) {
      drafts.push({
        code: 'NODE_ISOLATED',
        nodes: [node],
        summary: `node ${displayName(node)} started ${campaign.attempts} elections${terms} while ${others.map(displayName).join(', ')} had a leader`,
        count: campaign.attempts,
        first: campaign.start,
        last: end,
        evidence: [...campaign.evidence.lines],
      });
    } else {
      drafts.push({
        code: 'NO_LEADER',
        nodes: [node],
        summary: `node ${displayName(node)} started ${campaign.attempts} elections${terms} and no leader emerged${campaign.outcome === 'leader' ? ' until much later' : ''}`,
        count: campaign.attempts,
        first: campaign.start,
        last: end,
        evidence: [...campaign.evidence.lines],
      });
    }
  }

  // QUORUM_LOST: a leader stepped down for lack of a majority, unless the majority had been stopped on purpose.
  const quorum = node.quorumLost.filter((q) => !peersStopped(node, nodes, q.time));
  if (quorum.length > 0) {
    drafts.push({
      code: 'QUORUM_LOST',
      nodes: [node],
      summary: `node ${displayName(node)} lost contact with a majority of voters and stepped down ${quorum.length} time(s)`,
      count: quorum.length,
      first: quorum[0]!.time,
      last: quorum.at(-1)!.time,
      evidence: quorum.slice(0, 3).map((q) => q.evidence),
    });
  }

  // PEER_UNREACHABLE: failures to reach one peer lasting ten election timeouts (at least 10 s), unless
  // the peer's own log explains them: it was shut down on purpose, or it restarted and came back.
  const sustainedMs = Math.max(10_000, 10 * et);
  for (const run of node.unreachableRuns) {
    // Products repeat the failure while it lasts (backoff, probes, rate-limited warnings), so the spell ends
    // at its recovery line or, failing one, at its last failure.
    const until = run.recovered ?? run.last;
    const stillFailing = run.recovered === undefined && node.lastSeen !== undefined && run.last !== undefined && node.lastSeen - run.last < sustainedMs;
    if (run.start === undefined || until === undefined || until - run.start < sustainedMs) continue;
    const start = run.start;
    const peer = nodes.find((n) => n.id === run.peer);
    if (peer && peer.stopIntervals.some((i) => i.start !== undefined && i.start <= start + 5000 && (i.end ?? Infinity) >= start)) continue;
    if (peer && run.recovered !== undefined && peer.startTimes.some((t) => t >= start - 5000 && t <= run.recovered! + 5000)) continue;
    drafts.push({
      code: 'PEER_UNREACHABLE',
      nodes: [node],
      summary: `node ${displayName(node)} could not reach peer ${run.peer} for ${Math.round((until - start) / 1000)}s${stillFailing ? ' (still failing at the end of the log)' : ''}`,
      count: run.evidence.count,
      first: start,
      last: until,
      evidence: [...run.evidence.lines],
    });
  }

  // STATE_RESET: the node's term went back to 0 with an empty log after a restart, or Raft found the
  // leader's commit index beyond the node's log (its log was wiped or truncated).
  if (node.stateReset.count > 0) {
    drafts.push({
      code: 'STATE_RESET',
      nodes: [node],
      summary: `node ${displayName(node)} came back with less state than it had (term, vote or log lost): it can vote twice or lose committed entries`,
      ...fromSet(node.stateReset),
    });
  }

  if (node.clusterIdMismatch.count > 0) {
    drafts.push({
      code: 'CLUSTER_ID_MISMATCH',
      nodes: [node],
      summary: `node ${displayName(node)}${node.clusterIds.size > 0 ? ` (cluster ${[...node.clusterIds].join(', ')})` : ''} exchanged messages with a member of a different cluster (${node.clusterIdMismatch.count} rejection(s))`,
      ...fromSet(node.clusterIdMismatch),
    });
  }

  if (node.removedMember.count > 0) {
    drafts.push({
      code: 'REMOVED_MEMBER_DISRUPTING',
      nodes: [node],
      summary: `node ${displayName(node)} received ${node.removedMember.count} message(s) or vote requests from a node outside its configuration`,
      ...fromSet(node.removedMember),
    });
  }

  // MESSAGES_NOT_SENT: the node produced messages for peers, nobody logged receiving any of them,
  // nothing came back, and no transport error explains it.
  // A healthy follower with debug logging also produces messages nobody logs receiving (appends are not
  // logged), so this needs a node that kept campaigning and never found a leader.
  if (node.produced.count >= 3 && node.received === 0 && node.unreachableRuns.length === 0 && !group.delivered.has(node.id) && neverLeader && node.electionsStarted >= 2) {
    drafts.push({
      code: 'MESSAGES_NOT_SENT',
      nodes: [node],
      summary: `node ${displayName(node)} produced ${node.produced.count} message(s) for ${[...node.producedTo].join(', ')} but none was ever received and no reply came back`,
      ...fromSet(node.produced),
    });
  }

  slowSignals(node, nodes, group, et, node.slowDisk, 'SLOW_DISK', drafts);
  slowSignals(node, nodes, group, et, node.heartbeatLate, 'HEARTBEAT_LATE', drafts);
}

/**
 * Slow fsyncs or late heartbeats are warnings next to election churn (six or more election attempts, or
 * three or more leaders elected, in the group within 10 election timeouts, at least 30 s, of the signal)
 * and info otherwise: a start-up election and one re-election are not churn.
 */
function slowSignals(node: NodeState, nodes: NodeState[], group: GroupState, et: number, signals: TimedEvidence[], code: 'SLOW_DISK' | 'HEARTBEAT_LATE', drafts: Draft[]): void {
  if (signals.length === 0) return;
  const radius = Math.max(30_000, 10 * et);
  const churn = nodes.flatMap((n) => n.electionTimes.map((e) => e.time).filter((t): t is number => t !== undefined)).sort((a, b) => a - b);
  const attemptsNear = (time: number): number => lowerBound(churn, time + radius + 1) - lowerBound(churn, time - radius);
  const leaders = [...group.leaderByTerm.values()].map((l) => l.time).filter((t): t is number => t !== undefined).sort((a, b) => a - b);
  const leadersNear = (time: number): number => lowerBound(leaders, time + radius + 1) - lowerBound(leaders, time - radius);
  const near = signals.filter((s) => s.time !== undefined && (attemptsNear(s.time) >= 6 || leadersNear(s.time) >= 3));
  const worst = Math.max(...signals.map((s) => s.durationMs ?? 0));
  const chosen = near.length > 0 ? near : signals;
  drafts.push({
    code,
    severity: near.length > 0 ? 'warning' : 'info',
    nodes: [node],
    summary: `node ${displayName(node)}: ${signals.length} ${code === 'SLOW_DISK' ? 'slow disk write(s)/apply(s)' : 'late heartbeat(s)'}${worst > 0 ? `, worst ${Math.round(worst)}ms` : ''}${near.length > 0 ? `, ${near.length} next to repeated elections` : ', no election churn nearby'}`,
    count: signals.length,
    first: signals[0]!.time,
    last: signals.at(-1)!.time,
    evidence: [...chosen.slice(0, 2), ...chosen.slice(-1)].map((s) => s.evidence),
  });
}

/** Index of the first element >= value in a sorted array. */
function lowerBound(sorted: number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function detectGroup(group: GroupState, nodes: NodeState[], et: number, drafts: Draft[]): void {
  // SPLIT_BRAIN: two different nodes claimed (or were acknowledged as) leader of the same term.
  for (const split of group.splitBrain) {
    drafts.push({
      code: 'SPLIT_BRAIN',
      nodes: nodes.filter((n) => split.leaders.includes(n.id)),
      summary: `term ${split.term} has two leaders: ${split.leaders.join(' and ')}`,
      count: split.leaders.length,
      first: split.time,
      last: split.time,
      evidence: split.evidence,
    });
  }

  // ELECTION_STORM: within a window of max(60 s, 30 election timeouts), three or more leaders were
  // elected, or six or more elections started while at least two leaders were elected: leadership churns.
  // Elections that never produce a leader are NO_LEADER, not a storm.
  const windowMs = Math.max(60_000, 30 * et);
  const leaders = [...group.leaderByTerm.entries()].filter(([, v]) => v.time !== undefined).map(([term, v]) => ({ term, time: v.time! })).sort((a, b) => a.time - b.time);
  const elections = nodes.flatMap((n) => n.electionTimes.filter((e) => e.time !== undefined).map((e) => ({ time: e.time!, node: n }))).sort((a, b) => a.time - b.time);
  let worst: { leaders: number; elections: number; start: number; end: number } | undefined;
  for (let i = 0, j = 0; i < leaders.length; i++) {
    while (leaders[i]!.time - leaders[j]!.time > windowMs) j++;
    const count = i - j + 1;
    if (count >= 3 && (!worst || count > worst.leaders)) worst = { leaders: count, elections: 0, start: leaders[j]!.time, end: leaders[i]!.time };
  }
  if (!worst) {
    for (let i = 0, j = 0; i < elections.length; i++) {
      while (elections[i]!.time - elections[j]!.time > windowMs) j++;
      const count = i - j + 1;
      const start = elections[j]!.time;
      const end = elections[i]!.time;
      const leadersInside = leaders.filter((l) => l.time >= start && l.time <= end + 3 * et).length;
      if (count >= 6 && leadersInside >= 2 && (!worst || count > worst.elections)) worst = { leaders: 0, elections: count, start, end };
    }
  }
  if (worst) {
    const involved = nodes.filter((n) => n.electionTimes.some((e) => e.time !== undefined && e.time >= worst!.start && e.time <= worst!.end) || n.leaderTerms.length > 0);
    const evidence = nodes.flatMap((n) => n.campaigns.flatMap((c) => c.evidence.lines)).filter((e) => e !== undefined).slice(0, 4);
    const leaderEvidence = [...group.leaderByTerm.values()].filter((v) => v.time !== undefined && v.time >= worst!.start && v.time <= worst!.end).map((v) => v.evidence);
    drafts.push({
      code: 'ELECTION_STORM',
      nodes: involved,
      summary: worst.leaders > 0 ? `${worst.leaders} leaders elected within ${Math.round((worst.end - worst.start) / 1000)}s` : `${worst.elections} elections within ${Math.round((worst.end - worst.start) / 1000)}s`,
      count: worst.leaders || worst.elections,
      first: worst.start,
      last: worst.end,
      evidence: [...leaderEvidence.slice(0, 3), ...evidence].slice(0, 5),
    });
  }
}

/**
 * VOTER_MISMATCH: two nodes of one cluster ended with different voter sets. Nodes are compared when they
 * share a Raft group, or (outside TiKV regions) when their voter sets overlap: etcd members started
 * with different --initial-cluster land in different cluster ids yet name the same members. A later
 * membership change is only held against a node whose log went on for ten election timeouts after it.
 */
function detectVoterMismatch(analyzer: Analyzer, drafts: Draft[]): void {
  const withVoters = [...analyzer.nodes.values()].filter((n) => n.id !== '?' && n.voters !== undefined && n.voters.length > 0);
  const pairs: [NodeState, NodeState][] = [];
  for (let i = 0; i < withVoters.length; i++) {
    for (let j = i + 1; j < withVoters.length; j++) {
      const a = withVoters[i]!;
      const b = withVoters[j]!;
      if (a.id === b.id || sameSet(a.voters!, b.voters!)) continue;
      const comparable = a.group === b.group || (!a.group.startsWith('region-') && !b.group.startsWith('region-') && a.voters!.some((v) => b.voters!.includes(v)));
      if (!comparable) continue;
      const et = analyzer.group(a.group).electionTimeoutMs ?? DEFAULT_ELECTION_TIMEOUT_MS;
      const settle = Math.max(10_000, 10 * et);
      const [older, newer] = (a.votersTime ?? 0) <= (b.votersTime ?? 0) ? [a, b] : [b, a];
      if (older.votersTime !== undefined && newer.votersTime !== undefined && newer.votersTime - older.votersTime > settle) {
        if (older.lastSeen === undefined || older.lastSeen < newer.votersTime + settle) continue;
      }
      pairs.push([a, b]);
    }
  }
  if (pairs.length === 0) return;
  const involved = [...new Set(pairs.flat())];
  const times = involved.map((n) => n.votersTime).filter((t): t is number => t !== undefined);
  drafts.push({
    code: 'VOTER_MISMATCH',
    nodes: involved,
    summary: involved.map((n) => `${displayName(n)} has voters {${n.voters!.join(', ')}}`).join('; '),
    count: pairs.length,
    first: times.length > 0 ? Math.min(...times) : undefined,
    last: times.length > 0 ? Math.max(...times) : undefined,
    evidence: involved.map((n) => n.votersEvidence).filter((e): e is Evidence => e !== undefined),
  });
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

