// The replicated state machine: a string key-value map of metadata, changed only by applying committed
// entries in log order. It lives in memory: on start it is restored from the latest snapshot and the
// committed log after it is replayed.
import { MAX_UINT_BYTES, Reader, Writer } from './codec.js';

export const MAX_KEY_BYTES = 4 * 1024;
export const MAX_VALUE_BYTES = 1024 * 1024;
/** A put as written before request ids (WAL entries of older data dirs): still applied as such. */
const OP_PUT = 1;
/** A put carrying the id of the client request that made it. */
const OP_PUT_REQUEST = 2;

/**
 * Names one client write across the cluster and across restarts: the node that took it, a random number
 * drawn when that node started, and a counter of that life. The node that took the write answers its
 * client when it applies an entry carrying this id, and only then.
 */
export interface RequestId {
  node: number;
  boot: number;
  seq: number;
}

export interface KvCommand {
  op: 'put';
  key: string;
  value: string;
  request?: RequestId;
}

export function requestKey(id: RequestId): string {
  return `${id.node}.${id.boot}.${id.seq}`;
}

export function encodeCommand(command: KvCommand): Uint8Array {
  // Sized exactly (room for the lengths and the id): the entry keeps this buffer until compaction.
  const w = new Writer(1 + 5 * MAX_UINT_BYTES + Buffer.byteLength(command.key, 'utf8') + Buffer.byteLength(command.value, 'utf8'));
  const { request } = command;
  if (request === undefined) w.u8(OP_PUT);
  else w.u8(OP_PUT_REQUEST).uint(request.node).uint(request.boot).uint(request.seq);
  return w.string(command.key).string(command.value).finish();
}

export function decodeCommand(data: Uint8Array): KvCommand {
  const r = new Reader(data);
  const op = r.u8();
  if (op === OP_PUT) return { op: 'put', key: r.string(), value: r.string() };
  if (op !== OP_PUT_REQUEST) throw new Error(`unknown state machine operation ${op}`);
  const request = { node: r.uint(), boot: r.uint(), seq: r.uint() };
  return { op: 'put', key: r.string(), value: r.string(), request };
}

/** The request id an entry's data carries (requestKey form), without decoding the rest. */
export function requestKeyOf(data: Uint8Array): string | undefined {
  if (data.length === 0 || data[0] !== OP_PUT_REQUEST) return undefined;
  const r = new Reader(data);
  r.u8();
  return requestKey({ node: r.uint(), boot: r.uint(), seq: r.uint() });
}

export interface KvValue {
  value: string;
  /** Log index of the entry that last wrote the key. */
  index: number;
}

export class KvStore {
  private readonly data = new Map<string, KvValue>();
  private appliedIndex = 0;
  private capture: KvCapture | undefined;

  /**
   * Applies one committed entry's data (empty data is a leader's no-op). Indexes must arrive in order:
   * applying out of order would make replicas diverge, so it is a programming error.
   */
  apply(index: number, data: Uint8Array | undefined): void {
    if (index <= this.appliedIndex) throw new Error(`entry ${index} applied twice (applied ${this.appliedIndex})`);
    if (data !== undefined && data.length > 0) {
      const command = decodeCommand(data);
      this.capture?.preserve(command.key, this.data.get(command.key));
      this.data.set(command.key, { value: command.value, index });
    }
    this.appliedIndex = index;
  }

  /** The index of the last applied entry; on start it is the snapshot's index, and the log after it is replayed. */
  applied(): number {
    return this.appliedIndex;
  }

  /** The whole map as snapshot data: what a follower restores instead of replaying the compacted log. */
  encode(): Uint8Array {
    const w = new Writer(1024);
    w.uint(this.data.size);
    for (const [key, entry] of this.data) writeEntry(w, key, entry);
    return w.finish();
  }

  /** Replaces the state with a snapshot's, as of log index `index`. */
  restore(data: Uint8Array, index: number): void {
    this.capture?.invalidate();
    this.capture = undefined;
    this.data.clear();
    if (data.length > 0) {
      const r = new Reader(data);
      const count = r.uint();
      for (let i = 0; i < count; i++) {
        const key = r.string();
        const value = r.string();
        this.data.set(key, { value, index: r.uint() });
      }
    }
    this.appliedIndex = index;
  }

  /**
   * Freezes the state as of now for a snapshot encoded bit by bit while entries keep being applied: instead
   * of copying the map, the value each later write replaces is kept aside until the capture is released.
   */
  beginCapture(): KvCapture {
    this.capture?.invalidate();
    const capture = new KvCapture(this.data, this.appliedIndex, () => {
      if (this.capture === capture) this.capture = undefined;
    });
    this.capture = capture;
    return capture;
  }

  get(key: string): KvValue | undefined {
    return this.data.get(key);
  }

  get size(): number {
    return this.data.size;
  }
}

/** One key of an encoded state: key, value, and the index of the entry that wrote it. */
function writeEntry(w: Writer, key: string, { value, index }: KvValue): void {
  w.string(key).string(value).uint(index);
}

/** The map as of one applied index, encoded in pieces (same bytes as KvStore.encode) between later applies. */
export class KvCapture {
  /** Keys written since the capture, with the value they had then (undefined: the key did not exist). */
  private readonly replaced = new Map<string, KvValue | undefined>();
  private readonly count: number;
  private iterator: Iterator<[string, KvValue]> | undefined;
  private encoded = 0;
  private valid = true;

  constructor(
    private readonly live: Map<string, KvValue>,
    readonly index: number,
    private readonly onRelease: () => void,
  ) {
    this.count = live.size;
  }

  preserve(key: string, before: KvValue | undefined): void {
    if (!this.replaced.has(key)) this.replaced.set(key, before);
  }

  /** The state was replaced wholesale (a snapshot from the leader): this capture can no longer be encoded. */
  invalidate(): void {
    this.valid = false;
    this.replaced.clear();
  }

  get usable(): boolean {
    return this.valid;
  }

  /**
   * The next piece of the encoding, about `budget` bytes (the first piece is the key
   * count); undefined once every key was encoded. The live map is walked in insertion order: keys that
   * existed at the capture keep their place when overwritten (nothing is ever deleted), and keys added
   * since come after them and are skipped.
   */
  encodeNext(budget: number): Uint8Array | undefined {
    if (!this.valid) throw new Error('the captured state was replaced');
    if (this.iterator === undefined) {
      this.iterator = this.live.entries();
      return new Writer(16).uint(this.count).finish();
    }
    if (this.encoded === this.count) return undefined;
    const w = new Writer(budget + 1024);
    while (w.length < budget && this.encoded < this.count) {
      const next = this.iterator.next();
      if (next.done === true) throw new Error(`captured ${this.count} keys but found only ${this.encoded}`);
      const [key, current] = next.value;
      const captured = this.replaced.has(key) ? this.replaced.get(key) : current;
      if (captured === undefined) continue;
      writeEntry(w, key, captured);
      this.encoded += 1;
    }
    return w.finish();
  }

  release(): void {
    this.invalidate();
    this.onRelease();
  }
}
