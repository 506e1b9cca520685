// What a recovery plan from lost quorum says, whatever the product: the survivors ranked by last log
// term, then last index, what keeping the first one means for the data, and the commands per host.
// node/recover.ts builds it for chronik data dirs, client/attach/etcd-recover.ts for etcd's.

export interface Survivor {
  /** chronik's node id, or etcd's member id in hex. */
  id: number | string;
  name?: string;
  dataDir: string;
  addr: string;
  term: number;
  lastTerm: number;
  lastIndex: number;
  commit: number;
  /** pid of a node still running on the dir: the plan is then only a moment's view. */
  running?: number;
}

export interface HostSteps {
  id: number | string;
  name?: string;
  addr: string;
  role: 'keep' | 'rejoin';
  dataDir: string;
  /** False for a member whose data dir was not given: it is rebuilt on a host of the operator's choice. */
  survived: boolean;
  commands: string[];
}

export interface RecoveryPlan {
  kind: 'chronik' | 'etcd';
  cluster: string;
  /** The last configuration the survivors know, and the quorum it needs. */
  voters: { id: number | string; addr: string; name?: string }[];
  quorum: number;
  /** Best first: highest last log term, then highest last index. */
  survivors: Survivor[];
  best: Survivor;
  risk: {
    /** The highest commit index any survivor knows: everything up to it is kept. */
    knownCommitted: number;
    /** Entries on the best member after that index: never known to be committed, they commit now. */
    newlyCommitted: { from: number; to: number } | null;
    /** Entries other survivors hold past the best member's log, or that disagree with it: discarded. */
    discarded: { id: number | string; entries: number }[];
    summary: string[];
  };
  steps: HostSteps[];
}

/**
 * Ranks survivors by last log term, then last index (then id), and says what keeping the first one
 * means for the data: the same reasoning for every product.
 */
export function rankSurvivors(unranked: readonly Survivor[]): { survivors: Survivor[]; best: Survivor; risk: RecoveryPlan['risk'] } {
  const survivors = [...unranked].sort((a, b) => b.lastTerm - a.lastTerm || b.lastIndex - a.lastIndex || String(a.id).localeCompare(String(b.id), undefined, { numeric: true }));
  const best = survivors[0] as Survivor;
  const knownCommitted = Math.max(...survivors.map((s) => s.commit));
  const newlyCommitted = best.lastIndex > knownCommitted ? { from: knownCommitted + 1, to: best.lastIndex } : null;
  // A survivor with a lower last term may hold entries at indexes the best member holds with another
  // term: everything it has past the point where their logs can be known to agree (the known commit) goes.
  const discarded = survivors.slice(1).flatMap((s) => {
    const entries = s.lastTerm === best.lastTerm ? Math.max(0, s.lastIndex - best.lastIndex) : Math.max(0, s.lastIndex - Math.min(knownCommitted, best.lastIndex));
    return entries > 0 ? [{ id: s.id, entries }] : [];
  });
  const summary = [
    `keep node ${best.id}: its log ends at index ${best.lastIndex} (term ${best.lastTerm}), the most up to date of ${survivors.length} survivor${survivors.length === 1 ? '' : 's'}`,
    `entries up to index ${knownCommitted} were known to be committed and are kept`,
    newlyCommitted
      ? `entries ${newlyCommitted.from}-${newlyCommitted.to} on node ${best.id} were never known to be committed; they commit now (a write that timed out may appear after all)`
      : `node ${best.id} holds no entry past the known commit index`,
    ...discarded.map((d) => `node ${d.id} holds ${d.entries} entr${d.entries === 1 ? 'y' : 'ies'} that node ${best.id} does not: they are discarded when it rejoins`),
    `entries the lost members committed past index ${best.lastIndex}, if any, are lost: no survivor holds them`,
  ];
  return { survivors, best, risk: { knownCommitted, newlyCommitted, discarded, summary } };
}
