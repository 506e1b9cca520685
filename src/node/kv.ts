// The replicated state machine: a string key-value map of metadata, changed only by applying committed
// entries in log order. It lives in memory: on start it is restored from the latest snapshot and the
// committed log after it is replayed.
import { Reader, Writer } from './codec.js';

export const MAX_KEY_BYTES = 4 * 1024;
export const MAX_VALUE_BYTES = 1024 * 1024;
const OP_PUT = 1;

export interface KvCommand {
  op: 'put';
  key: string;
  value: string;
}

export function encodeCommand(command: KvCommand): Uint8Array {
  const w = new Writer(16 + command.key.length + command.value.length * 3);
  return w.u8(OP_PUT).string(command.key).string(command.value).finish();
}

export function decodeCommand(data: Uint8Array): KvCommand {
  const r = new Reader(data);
  const op = r.u8();
  if (op !== OP_PUT) throw new Error(`unknown state machine operation ${op}`);
  return { op: 'put', key: r.string(), value: r.string() };
}

export interface KvValue {
  value: string;
  /** Log index of the entry that last wrote the key. */
  index: number;
}

export class KvStore {
  private readonly data = new Map<string, KvValue>();
  private appliedIndex = 0;

  /**
   * Applies one committed entry's data (empty data is a leader's no-op). Indexes must arrive in order:
   * applying out of order would make replicas diverge, so it is a programming error.
   */
  apply(index: number, data: Uint8Array | undefined): void {
    if (index <= this.appliedIndex) throw new Error(`entry ${index} applied twice (applied ${this.appliedIndex})`);
    if (data !== undefined && data.length > 0) {
      const command = decodeCommand(data);
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
    for (const [key, { value, index }] of this.data) w.string(key).string(value).uint(index);
    return w.finish();
  }

  /** Replaces the state with a snapshot's, as of log index `index`. */
  restore(data: Uint8Array, index: number): void {
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

  get(key: string): KvValue | undefined {
    return this.data.get(key);
  }

  get size(): number {
    return this.data.size;
  }
}
