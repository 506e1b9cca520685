// The narrow interface a dialect interpreter sees: the shaped line, and ways to report events and
// the identity of the node (and Raft group) that wrote the stream.
import type { EventKind, RaftEvent } from '../model.js';
import type { LineShape } from '../lineshape.js';

export type EventProps = Partial<Omit<RaftEvent, 'kind' | 'evidence'>>;

export interface LineContext {
  shape: LineShape;
  /** The line as read, for interpreters that must look at its wrapper too. */
  readonly raw: string;
  /** Reports an event; without `node` it is attributed to the stream's node once that is known. */
  emit(kind: EventKind, props?: EventProps): void;
  /** The stream's own node identity, learned from a line that names it. */
  identify(node: string): void;
  /** The stream's Raft group (etcd cluster id), learned from a line that names it. */
  setGroup(group: string): void;
  /** Says a template matched the line though it states nothing the detectors use. */
  recognise(): void;
  /** Whether a template matched this line yet (an event, an identity, a group, or recognise()). */
  matched(): boolean;
  /**
   * Whether a template said what this line means (an event or recognise()). A node id or group read from
   * a field (etcd's zap lines carry `local-member-id` on every line) says who wrote it, not what it says:
   * other libraries' templates are still tried on such a line.
   */
  interpreted(): boolean;
}

export type Interpreter = (ctx: LineContext) => void;
