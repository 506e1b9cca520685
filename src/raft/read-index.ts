// The leader's queue of read-index requests: each waits for a quorum of heartbeat acks carrying its
// context, which proves the leader was still leader when the read arrived.

import { hasQuorum } from './quorum.js';
import type { NodeId } from './types.js';

export interface ReadRequest {
  context: string;
  /** Who asked: the leader itself or a follower that forwarded the request. */
  from: NodeId;
  /** The leader's commit index when the request arrived. */
  index: number;
  acks: Set<NodeId>;
}

export class ReadIndexQueue {
  private queue: ReadRequest[] = [];

  add(request: ReadRequest): void {
    if (this.queue.some((r) => r.context === request.context)) return;
    this.queue.push(request);
  }

  /** The context a heartbeat round should carry: the newest request confirms all older ones. */
  lastContext(): string | undefined {
    return this.queue[this.queue.length - 1]?.context;
  }

  /**
   * Record that `from` acknowledged a heartbeat carrying `context`. Returns the requests now
   * confirmed (that one and every request queued before it), removing them from the queue.
   */
  ack(from: NodeId, context: string, voters: readonly NodeId[]): ReadRequest[] {
    const position = this.queue.findIndex((r) => r.context === context);
    const request = this.queue[position];
    if (request === undefined) return [];
    request.acks.add(from);
    if (!hasQuorum(voters, (id) => request.acks.has(id))) return [];
    return this.queue.splice(0, position + 1);
  }

  clear(): void {
    this.queue = [];
  }
}
