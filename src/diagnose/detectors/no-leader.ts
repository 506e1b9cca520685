// NO_LEADER / NODE_ISOLATED: elections keep happening but no leader emerges. Rule: a campaign (the
// election attempts of one node with no leader seen in between) of three attempts or more, lasting three
// election timeouts or more when the lines are timed, and not explained by most other members having
// been stopped on purpose. If another node of the group had a leader meanwhile, only this node is cut
// off: NODE_ISOLATED.
import type { RaftEvent } from '../model.js';
import { pushCapped, type Interval, type NodeState, type Step } from '../timeline.js';
import { displayName, EvidenceSet, overlaps, peersStopped, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

interface Campaign extends Interval {
  attempts: number;
  evidence: EvidenceSet;
  open: boolean;
  /** Closed by a leader (the campaign ended, if late), else by a stop or a restart. */
  wonOrFollowed: boolean;
  firstTerm?: number;
  lastTerm?: number;
}

interface State {
  open?: Campaign;
  campaigns: Campaign[];
}

class NoLeader implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'became-leader', 'leader-known', 'node-start', 'node-stop'] as const;
  private readonly nodes = new PerNode<State>(() => ({ campaigns: [] }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    const t = event.time;
    if (step.attempt) {
      if (!state.open) {
        state.open = { start: t, end: t, attempts: 0, evidence: new EvidenceSet(), open: true, wonOrFollowed: false, firstTerm: event.term };
        pushCapped(state.campaigns, state.open, 200);
      }
      state.open.attempts++;
      state.open.end = t ?? state.open.end;
      state.open.evidence.add(event.evidence, t);
    }
    if (event.kind === 'became-candidate' && state.open && event.term !== undefined) state.open.lastTerm = event.term;
    else if (step.attempt && state.open && event.term !== undefined) state.open.lastTerm = event.term;
    if (step.leader !== undefined || event.kind === 'node-start' || event.kind === 'node-stop') {
      if (!state.open) return;
      state.open.open = false;
      state.open.wonOrFollowed = step.leader !== undefined;
      state.open.end = t ?? state.open.end;
      state.open = undefined;
    }
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      const group = view.byGroup.get(node.group) ?? [];
      for (const campaign of state.campaigns) {
        const draft = this.judge(node, group, campaign, view.electionTimeout(node.group));
        if (draft) drafts.push(draft);
      }
    }
    return drafts;
  }

  private judge(node: NodeState, nodes: NodeState[], campaign: Campaign, et: number): Draft | undefined {
    if (campaign.attempts < 3) return undefined;
    const end = campaign.open ? (node.lastSeen ?? campaign.end) : campaign.end;
    if (campaign.start !== undefined && end !== undefined && end - campaign.start < 3 * et) return undefined;
    if (peersStopped(node, nodes, campaign.start)) return undefined;
    const others = nodes.filter((n) => n !== node && overlaps(n.leaderIntervals, campaign.start, end, n.lastSeen));
    const terms = campaign.firstTerm !== undefined && campaign.lastTerm !== undefined ? ` (terms ${campaign.firstTerm}..${campaign.lastTerm})` : '';
    const base = { nodes: [node], count: campaign.attempts, first: campaign.start, last: end, evidence: [...campaign.evidence.lines] };
    if (others.length > 0) {
      return { code: 'NODE_ISOLATED', ...base, summary: `node ${displayName(node)} started ${campaign.attempts} elections${terms} while ${others.map(displayName).join(', ')} had a leader` };
    }
    return { code: 'NO_LEADER', ...base, summary: `node ${displayName(node)} started ${campaign.attempts} elections${terms} and no leader emerged${campaign.wonOrFollowed ? ' until much later' : ''}` };
  }
}

export const noLeader: DetectorEntry = { name: 'no-leader', codes: ['NO_LEADER', 'NODE_ISOLATED'], create: () => new NoLeader() };
