// Test-only fault injector. Inert unless CHRONIK_FAULT_FILE names a JSON file; the node then re-reads it
// every 50 ms and drops or delays its outbound peer traffic, or fails WAL writes/fsyncs with an errno.
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

const POLL_MS = 50;
const faultFile = process.env.CHRONIK_FAULT_FILE;
let plan: FaultPlan = {};
let appliedText: string | undefined;

if (faultFile !== undefined && faultFile !== '') {
  reload();
  setInterval(reload, POLL_MS).unref();
}

/** A half-written file (tests write it with rename, but be safe) keeps the previous plan. */
function reload(): void {
  let text: string;
  try {
    text = readFileSync(faultFile as string, 'utf8');
    plan = JSON.parse(text) as FaultPlan;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return;
    text = '';
    plan = {};
  }
  if (text !== appliedText) {
    try {
      writeFileSync(`${faultFile as string}.applied`, text);
      appliedText = text;
    } catch {
      // The file's folder may not exist yet (it is made with the data dir): echo on a later poll.
    }
  }
}

export function dropsTrafficTo(addr: string): boolean {
  return plan.drop?.includes(addr) ?? false;
}

export function delayTo(addr: string): number {
  return plan.delay?.[addr] ?? 0;
}

/** Throws the configured errno for this WAL operation, shaped like the error node:fs would give. */
export function injectStorageFault(operation: 'write' | 'fsync'): void {
  const code = operation === 'write' ? plan.walWrite : plan.walFsync;
  if (code === undefined) return;
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error', EDQUOT: 'disk quota exceeded' };
  const err = new Error(`${code}: ${messages[code] ?? 'injected fault'}, ${operation} (injected by CHRONIK_FAULT_FILE)`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = operation;
  throw err;
}

export function holdsSnapshot(): boolean {
  return plan.holdSnapshot === true;
}
