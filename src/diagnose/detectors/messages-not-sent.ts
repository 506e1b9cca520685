// MESSAGES_NOT_SENT: outgoing Raft messages are produced but never delivered. Two rules:
// - the node produced three messages or more for peers, nobody logged receiving any message from it,
//   nothing came back to it, no transport error explains it, and it kept campaigning (two attempts or
//   more) without ever seeing a leader. A healthy follower with debug logging also produces messages
//   nobody logs receiving (appends are not logged), hence the campaign;
// - the node's transport says it threw away messages it produced: DROPPED_IN_A_ROW or more
//   `dropped ... since sending buffer is full` lines (etcd's rafthttp), each a message never sent. One
//   drop can be a blip while a peer restarts; a run of them is the outage a paste shows.
import type { RaftEvent } from '../model.js';
import type { Step } from '../timeline.js';
import { displayName, EvidenceSet, fromSet, PerNode, type Detector, type DetectorEntry, type Draft } from './kit.js';

/** Messages thrown away by the node's own transport before a finding is made of them. */
const DROPPED_IN_A_ROW = 3;

interface State {
  produced: EvidenceSet;
  /** Messages the transport dropped unsent (full send buffer). */
  dropped: EvidenceSet;
  droppedTo: Set<string>;
  to: Set<string>;
  received: number;
  transportErrors: number;
}

class MessagesNotSent implements Detector {
  readonly kinds = ['message-produced', 'message-received', 'peer-unreachable', 'message-dropped'] as const;
  private readonly nodes = new PerNode<State>(() => ({ produced: new EvidenceSet(), dropped: new EvidenceSet(), droppedTo: new Set(), to: new Set(), received: 0, transportErrors: 0 }));
  /** group \0 node: nodes whose messages some other node logged receiving. */
  private readonly delivered = new Set<string>();

  on(event: RaftEvent, step: Step): void {
    const state = this.nodes.get(step.node);
    if (event.kind === 'message-dropped') {
      state.dropped.add(event.evidence, event.time);
      if (event.peer !== undefined && state.droppedTo.size < 100) state.droppedTo.add(event.peer);
    } else if (event.kind === 'message-produced') {
      state.produced.add(event.evidence, event.time);
      if (event.peer !== undefined && state.to.size < 100) state.to.add(event.peer);
    } else if (event.kind === 'message-received') {
      state.received++;
      if (event.peer !== undefined && event.peer !== step.node.id && this.delivered.size < 10_000) this.delivered.add(`${event.group}\u0000${event.peer}`);
    } else if (!step.node.stopping) state.transportErrors++;
  }

  finish(): Draft[] {
    const drafts: Draft[] = [];
    for (const [node, state] of this.nodes.named()) {
      if (state.dropped.count >= DROPPED_IN_A_ROW) {
        const to = state.droppedTo.size > 0 ? ` for ${[...state.droppedTo].join(', ')}` : '';
        drafts.push({
          code: 'MESSAGES_NOT_SENT',
          nodes: [node],
          summary: `node ${displayName(node)} dropped ${state.dropped.count} Raft message(s)${to} unsent: its send buffer was full (the peer is down or the network cannot keep up)`,
          ...fromSet(state.dropped),
        });
        continue;
      }
      const silent = state.produced.count >= 3 && state.received === 0 && state.transportErrors === 0 && !this.delivered.has(node.key);
      if (!silent || node.leaderSeenCount > 0 || node.electionsStarted < 2) continue;
      drafts.push({
        code: 'MESSAGES_NOT_SENT',
        nodes: [node],
        summary: `node ${displayName(node)} produced ${state.produced.count} message(s) for ${[...state.to].join(', ')} but none was ever received and no reply came back`,
        ...fromSet(state.produced),
      });
    }
    return drafts;
  }
}

export const messagesNotSent: DetectorEntry = { name: 'messages-not-sent', codes: ['MESSAGES_NOT_SENT'], create: () => new MessagesNotSent() };
