// PEER_UNREACHABLE when the network says the peer's host is gone. `no route to host` (EHOSTUNREACH),
// `host is unreachable` and `network is unreachable` are not what a restarting process gives (that is
// `connection refused`, the host still answering): the kernel or a router returns them once the host has
// not answered address resolution for a few seconds (three ARP probes a second apart on Linux), so each
// such error already stands for seconds of silence, and the host is down or off the network. Rule: failures
// to reach one peer that say so, at two moments at least two election timeouts (2 s) apart, with no
// recovery line, restart or stop of this node in between, and not explained by the peer's own log (it was
// shut down or restarted meanwhile). Lines logged while this node shuts down do not count.
import type { Evidence, RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, peerExplains, PerNode, type Detector, type DetectorEntry, type Draft, type View } from './kit.js';

const HOST_GONE = /no route to host|host is unreachable|network is unreachable|EHOSTUNREACH|ENETUNREACH/i;
const SPELLS_CAP = 200;

interface Spell {
  peer: string;
  first: number;
  last: number;
  count: number;
  evidence: Evidence[];
}

interface State {
  open: Map<string, Spell>;
  spells: Spell[];
}

class HostUnreachable implements Detector {
  readonly kinds = ['peer-unreachable', 'peer-recovered', 'node-start', 'node-stop'] as const;
  private readonly nodes = new PerNode<State>(() => ({ open: new Map(), spells: [] }));

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'node-start' || event.kind === 'node-stop') {
      state.open.clear();
      return;
    }
    if (event.peer === undefined) return;
    if (event.kind === 'peer-recovered') {
      state.open.delete(event.peer);
      return;
    }
    const t = event.time;
    if (t === undefined || step.node.stopping || !HOST_GONE.test(event.evidence.text)) return;
    let spell = state.open.get(event.peer);
    if (!spell) {
      if (state.spells.length >= SPELLS_CAP) return;
      spell = { peer: event.peer, first: t, last: t, count: 0, evidence: [] };
      state.open.set(event.peer, spell);
      state.spells.push(spell);
    }
    spell.last = Math.max(spell.last, t);
    spell.count++;
    if (spell.evidence.length < 3) spell.evidence.push(event.evidence);
    else spell.evidence[3] = event.evidence;
  }

  finish(view: View): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      const apart = 2 * view.electionTimeout(node.group);
      const group = view.byGroup.get(node.group) ?? [];
      for (const spell of state.spells) {
        if (spell.last - spell.first < apart || peerExplains(group.find((n) => n.id === spell.peer), spell.first, spell.last)) continue;
        drafts.push({
          code: 'PEER_UNREACHABLE',
          nodes: [node],
          summary: `node ${displayName(node)} has no route to peer ${spell.peer}'s host (${spell.count} failures over ${Math.round((spell.last - spell.first) / 1000)}s): the host is down or off the network`,
          count: spell.count,
          first: spell.first,
          last: spell.last,
          evidence: spell.evidence,
        });
      }
    }
    return drafts;
  }
}

export const hostUnreachable: DetectorEntry = { name: 'host-unreachable', codes: ['PEER_UNREACHABLE'], create: () => new HostUnreachable() };
