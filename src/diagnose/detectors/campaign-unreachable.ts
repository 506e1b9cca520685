// PEER_UNREACHABLE seen through a failing campaign, without ten election timeouts of lines. Each election
// attempt tries every voter afresh, and attempts come an election timeout or more apart, so a peer that
// fails in two attempts of one campaign stayed unreachable across an election timeout at least; once the
// campaign has gone three attempts with no leader (no-leader.ts's bar, three election timeouts when the
// lines are timed), an elected cluster is not about to end it, and the peer's silence is part of why. Rule:
// in one campaign of a node (its attempts with no leader seen in between, ended by a leader, a start or a
// stop), of three attempts or more, failures to reach the same peer were logged in two different attempts.
// A vote request that failed before the first attempt line the excerpt shows stands for the attempt that
// sent it. Not when the peer's own log shows it stopped or restarted meanwhile (peer-unreachable.ts's
// exceptions); lines logged while this node shuts down do not count.
import type { Evidence, RaftEvent } from '../model.js';
import type { NodeState, Step } from '../timeline.js';
import { displayName, peerExplains, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

const MIN_ATTEMPTS = 3;
const MIN_FAILED_ATTEMPTS = 2;
const PEERS_CAP = 100;

interface PeerFailures {
  attempts: Set<number>;
  evidence: Evidence[];
  first?: number;
  last?: number;
}

interface Campaign {
  attempts: number;
  start?: number;
  end?: number;
  first?: Evidence;
  peers: Map<string, PeerFailures>;
}

interface State {
  open?: Campaign;
  done: Campaign[];
}

class CampaignUnreachable implements Detector {
  readonly kinds = ['election-started', 'became-pre-candidate', 'became-candidate', 'became-leader', 'leader-known', 'node-start', 'node-stop', 'peer-unreachable'] as const;
  private readonly nodes = new PerNode<State>(() => ({ done: [] }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    const t = event.time;
    if (step.leader !== undefined || event.kind === 'node-start' || event.kind === 'node-stop') {
      this.close(state);
      return;
    }
    if (step.attempt) {
      state.open ??= { attempts: 0, start: t, first: event.evidence, peers: new Map() };
      state.open.attempts++;
      state.open.end = t ?? state.open.end;
      return;
    }
    if (event.kind !== 'peer-unreachable' || step.node.stopping || event.peer === undefined || event.peer === step.node.id) return;
    if (!state.open) {
      // A failed vote request: an attempt the excerpt does not show sent it.
      if (!/vote/i.test(event.reason ?? '')) return;
      state.open = { attempts: 1, start: t, first: event.evidence, peers: new Map() };
    }
    const campaign = state.open;
    let peer = campaign.peers.get(event.peer);
    if (!peer) {
      if (campaign.peers.size >= PEERS_CAP) return;
      campaign.peers.set(event.peer, (peer = { attempts: new Set(), evidence: [], first: t }));
    }
    peer.attempts.add(campaign.attempts);
    peer.last = t ?? peer.last;
    if (peer.evidence.length < 3) peer.evidence.push(event.evidence);
    campaign.end = t ?? campaign.end;
  }

  private close(state: State): void {
    const campaign = state.open;
    state.open = undefined;
    if (campaign && campaign.attempts >= MIN_ATTEMPTS && state.done.length < 50) state.done.push(campaign);
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      if (state.open) state.open.end = node.lastSeen ?? state.open.end;
      this.close(state);
      const group = view.byGroup.get(node.group) ?? [];
      const et = view.electionTimeout(node.group);
      for (const campaign of state.done) drafts.push(...judge(node, group, campaign, et));
    }
    return drafts;
  }
}

function judge(node: NodeState, group: NodeState[], campaign: Campaign, et: number): Draft[] {
  if (campaign.start !== undefined && campaign.end !== undefined && campaign.end - campaign.start < MIN_ATTEMPTS * et) return [];
  const drafts: Draft[] = [];
  for (const [id, peer] of campaign.peers) {
    if (peer.attempts.size < MIN_FAILED_ATTEMPTS) continue;
    if (campaign.start !== undefined && peerExplains(group.find((n) => n.id === id), campaign.start, campaign.end ?? campaign.start)) continue;
    drafts.push({
      code: 'PEER_UNREACHABLE',
      nodes: [node],
      summary: `node ${displayName(node)} could not reach peer ${id} in ${peer.attempts.size} of its ${campaign.attempts} election attempts, with no leader in between`,
      count: peer.evidence.length,
      first: peer.first,
      last: peer.last,
      evidence: [campaign.first!, ...peer.evidence].slice(0, 4),
    });
  }
  return drafts;
}

export const campaignUnreachable: DetectorEntry = { name: 'campaign-unreachable', codes: ['PEER_UNREACHABLE'], create: () => new CampaignUnreachable() };
