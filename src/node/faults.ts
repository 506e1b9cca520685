// Test-only fault injection, handed to a node in its configuration (NodeConfig.faults): the WAL, the
// transport, the write forwarder and the snapshotter ask it only when one was given, and production runs
// without. The e2e and fault tests describe faults in a JSON file named by CHRONIK_FAULT_FILE; the node's
// configuration reads that variable once and hands in a FaultFile, which re-reads the file every 50 ms:
//
//   {"drop": ["127.0.0.1:40001"], "delay": {"127.0.0.1:40002": 200}, "walWrite": "ENOSPC", "walFsync": "EIO"}
//   {"holdSnapshot": true}   a snapshot the node takes waits, its temp file durable, until this is unset
//
// Addresses are the peers' advertised addresses; a drop covers Raft messages and forwarded writes alike.
// Each plan the node takes up is echoed to `<file>.applied`, so a test knows when a fault is in force.
import { readFileSync, writeFileSync } from 'node:fs';

export interface FaultPlan {
  /** Outbound peer traffic to these addresses vanishes (a one-way cut; cut both ends for a partition). */
  drop?: string[];
  /** Outbound Raft messages to an address are held back this many milliseconds. */
  delay?: Record<string, number>;
  /** WAL writes / fsyncs fail with this errno code while set. */
  walWrite?: string;
  walFsync?: string;
  /** The node's own snapshot stops after its temp file is fsynced and before it is renamed into place. */
  holdSnapshot?: boolean;
}

/** What the node's parts ask of the faults in force. */
export interface Faults {
  /** Outbound traffic to addr fails as if the peer were unreachable. */
  dropsTrafficTo(addr: string): boolean;
  delayTo(addr: string): number;
  /** The error this WAL operation fails with now, shaped like the one node:fs would give; undefined: none. */
  storageFault(operation: 'write' | 'fsync'): NodeJS.ErrnoException | undefined;
  holdsSnapshot(): boolean;
  close(): void;
}

const POLL_MS = 50;
const ERRNO_TEXT: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error', EDQUOT: 'disk quota exceeded' };

/** The faults of a plan that stays as given (in-process tests). */
export class StaticFaults implements Faults {
  constructor(protected plan: FaultPlan = {}) {}

  dropsTrafficTo(addr: string): boolean {
    return this.plan.drop?.includes(addr) ?? false;
  }

  delayTo(addr: string): number {
    return this.plan.delay?.[addr] ?? 0;
  }

  storageFault(operation: 'write' | 'fsync'): NodeJS.ErrnoException | undefined {
    const code = operation === 'write' ? this.plan.walWrite : this.plan.walFsync;
    if (code === undefined) return undefined;
    const err = new Error(`${code}: ${ERRNO_TEXT[code] ?? 'injected fault'}, ${operation} (injected by CHRONIK_FAULT_FILE)`) as NodeJS.ErrnoException;
    err.code = code;
    err.syscall = operation;
    return err;
  }

  holdsSnapshot(): boolean {
    return this.plan.holdSnapshot === true;
  }

  close(): void {}
}

/** The plan in a JSON file, re-read every 50 ms; a missing file means no faults. */
export class FaultFile extends StaticFaults {
  private appliedText: string | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly file: string) {
    super();
    this.reload();
    this.timer = setInterval(() => this.reload(), POLL_MS);
    this.timer.unref();
  }

  override close(): void {
    clearInterval(this.timer);
  }

  /** A half-written file (tests write it with rename, but be safe) keeps the previous plan. */
  private reload(): void {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
      this.plan = JSON.parse(text) as FaultPlan;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
      text = '';
      this.plan = {};
    }
    if (text !== this.appliedText) {
      try {
        writeFileSync(`${this.file}.applied`, text);
        this.appliedText = text;
      } catch {
        // The file's folder may not exist yet (it is made with the data dir): echo on a later poll.
      }
    }
  }
}

/** The faults the environment asks for: a FaultFile when CHRONIK_FAULT_FILE names one, else none. */
export function faultsFromEnv(env: NodeJS.ProcessEnv): Faults | undefined {
  const file = env.CHRONIK_FAULT_FILE;
  return file !== undefined && file !== '' ? new FaultFile(file) : undefined;
}
