// VOTER_MISMATCH: nodes disagree about who the voters are. Rule: two nodes of one cluster ended with
// different voter sets. Nodes are compared when they share a Raft group, or (outside TiKV regions) when
// their voter sets overlap: etcd members started with different --initial-cluster land in different
// cluster ids yet name the same members. A later membership change is only held against a node whose
// log went on for ten election timeouts (10 s at least) after it.
import type { Evidence } from '../model.js';
import type { NodeState } from '../timeline.js';
import { displayName, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

class VoterMismatch implements Detector {
  // The timeline keeps each node's last voter set: nothing to fold here.
  readonly kinds = [] as const;

  on(): void {}

  finish(view: View): Draft[] {
    const withVoters = view.nodes.filter((n) => n.voters !== undefined && n.voters.length > 0);
    const pairs: [NodeState, NodeState][] = [];
    for (let i = 0; i < withVoters.length; i++) {
      for (let j = i + 1; j < withVoters.length; j++) {
        const a = withVoters[i]!;
        const b = withVoters[j]!;
        if (a.id === b.id || sameSet(a.voters!, b.voters!)) continue;
        const comparable = a.group === b.group || (!a.group.startsWith('region-') && !b.group.startsWith('region-') && a.voters!.some((v) => b.voters!.includes(v)));
        if (!comparable) continue;
        const settle = Math.max(10_000, 10 * view.electionTimeout(a.group));
        const [older, newer] = (a.votersTime ?? 0) <= (b.votersTime ?? 0) ? [a, b] : [b, a];
        if (older.votersTime !== undefined && newer.votersTime !== undefined && newer.votersTime - older.votersTime > settle) {
          if (older.lastSeen === undefined || older.lastSeen < newer.votersTime + settle) continue;
        }
        pairs.push([a, b]);
      }
    }
    if (pairs.length === 0) return [];
    const involved = [...new Set(pairs.flat())];
    const times = involved.map((n) => n.votersTime).filter((t): t is number => t !== undefined);
    return [
      {
        code: 'VOTER_MISMATCH',
        nodes: involved,
        summary: involved.map((n) => `${displayName(n)} has voters {${n.voters!.join(', ')}}`).join('; '),
        count: pairs.length,
        first: times.length > 0 ? Math.min(...times) : undefined,
        last: times.length > 0 ? Math.max(...times) : undefined,
        evidence: involved.map((n) => n.votersEvidence).filter((e): e is Evidence => e !== undefined),
      },
    ];
  }
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export const voterMismatch: DetectorEntry = { name: 'voter-mismatch', codes: ['VOTER_MISMATCH'], create: () => new VoterMismatch() };
