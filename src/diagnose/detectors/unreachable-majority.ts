// NO_LEADER from a candidate that cannot reach a majority. Rule: while a node campaigns (from its first
// attempt until it sees a leader, stops or restarts), the peers it failed to reach (vote requests that
// failed, connections lost) leave it fewer reachable voters, itself included, than a majority of its
// voter set. When the lines name no voter set, the smallest cluster they are consistent with is assumed:
// itself, the peers it failed to reach and those it heard from; two distinct failed peers at least, so a
// lone failure in a larger cluster is not taken for a lost majority. No clock is needed: a paste of the
// candidacy and its failed vote requests is enough. If another member had a leader meanwhile, only this
// node is cut off: NODE_ISOLATED.
import type { Evidence, RaftEvent } from '../model.js';
import type { NodeState, Step } from '../timeline.js';
import { displayName, overlaps, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

const PEERS_CAP = 100;

interface Campaign {
  start?: number;
  end?: number;
  term?: number;
  attempt: Evidence;
  failed: Map<string, Evidence>;
  heard: Set<string>;
}

interface State {
  open?: Campaign;
  /** Campaigns that ended without a leader, or are still open at the end. */
  lost: Campaign[];
}

class UnreachableMajority implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'became-leader', 'leader-known', 'node-start', 'node-stop', 'peer-unreachable', 'message-received', 'vote-cast', 'vote-rejected'] as const;
  private readonly nodes = new PerNode<State>(() => ({ lost: [] }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    const t = event.time;
    if (step.attempt && !state.open) state.open = { start: t, term: event.term, attempt: event.evidence, failed: new Map(), heard: new Set() };
    const open = state.open;
    if (!open) return;
    if (event.term !== undefined && (event.kind === 'became-candidate' || step.attempt)) open.term = event.term;
    if (step.leader !== undefined) {
      state.open = undefined;
      return;
    }
    switch (event.kind) {
      case 'node-start':
      case 'node-stop':
        this.close(state, t);
        return;
      case 'peer-unreachable':
        if (event.peer !== undefined && event.peer !== step.node.id && open.failed.size < PEERS_CAP) open.failed.set(event.peer, open.failed.get(event.peer) ?? event.evidence);
        open.end = t ?? open.end;
        return;
      case 'message-received':
      case 'vote-cast':
      case 'vote-rejected':
        if (event.peer !== undefined && event.peer !== step.node.id && open.heard.size < PEERS_CAP) open.heard.add(event.peer);
        return;
      default:
        return;
    }
  }

  private close(state: State, time: number | undefined): void {
    if (!state.open) return;
    state.open.end = time ?? state.open.end;
    if (state.lost.length < 100) state.lost.push(state.open);
    state.open = undefined;
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      this.close(state, node.lastSeen);
      const group = view.byGroup.get(node.group) ?? [];
      for (const campaign of state.lost) {
        const draft = judge(node, group, campaign);
        if (draft) drafts.push(draft);
      }
    }
    return drafts;
  }
}

function judge(node: NodeState, group: NodeState[], campaign: Campaign): Draft | undefined {
  const failed = [...campaign.failed.keys()].filter((peer) => !campaign.heard.has(peer));
  if (failed.length === 0) return undefined;
  const voters = node.voters !== undefined && failed.every((peer) => node.voters!.includes(peer)) ? node.voters : undefined;
  let size: number;
  if (voters !== undefined) size = voters.includes(node.id) ? voters.length : voters.length + 1;
  else {
    if (failed.length < 2) return undefined;
    size = 1 + failed.length + [...campaign.heard].filter((peer) => !campaign.failed.has(peer)).length;
  }
  const reachable = size - failed.length;
  const majority = Math.floor(size / 2) + 1;
  if (reachable >= majority) return undefined;
  const others = group.filter((n) => n !== node && overlaps(n.leaderIntervals, campaign.start, campaign.end, n.lastSeen));
  const term = campaign.term !== undefined ? ` at term ${campaign.term}` : '';
  const base = { nodes: [node], count: failed.length, first: campaign.start, last: campaign.end, evidence: [campaign.attempt, ...failed.slice(0, 4).map((peer) => campaign.failed.get(peer)!)] };
  const reach = `could reach ${reachable} of ${size} voters (itself included${voters === undefined ? ', the cluster taken as the peers its lines name' : ''}), a majority being ${majority}: requests to ${failed.join(', ')} failed`;
  if (others.length > 0) return { code: 'NODE_ISOLATED', ...base, summary: `node ${displayName(node)} campaigned${term} while ${others.map(displayName).join(', ')} had a leader, and ${reach}` };
  return { code: 'NO_LEADER', ...base, summary: `node ${displayName(node)} campaigned${term} and ${reach}: no leader can emerge` };
}

export const unreachableMajority: DetectorEntry = { name: 'unreachable-majority', codes: ['NO_LEADER', 'NODE_ISOLATED'], create: () => new UnreachableMajority() };
