// Test-only fault injector. Inert unless CHRONIK_FAULT_FILE names a JSON file; the node then re-reads it
// every 50 ms and drops or delays its outbound peer traffic, or fails WAL writes/fsyncs with an errno.
//
//   {"drop": ["127.0.0.1:40001"], "delay": {"127.0.0.1:40002": 200}, "walWrite": "ENOSPC", "walFsync": "EIO"}
//
// Addresses are the peers' advertised addresses; a drop covers Raft messages and forwarded writes alike.
import { readFileSync } from 'node:fs';

export interface FaultPlan {
  /** Outbound peer traffic to these addresses vanishes (a one-way cut; cut both ends for a partition). */
  drop?: string[];
  /** Outbound Raft messages to an address are held back this many milliseconds. */
  delay?: Record<string, number>;
  /** WAL writes / fsyncs fail with this errno code while set. */
  walWrite?: string;
  walFsync?: string;
}

const POLL_MS = 50;
const faultFile = process.env.CHRONIK_FAULT_FILE;
let plan: FaultPlan = {};
let polling = false;

function current(): FaultPlan {
  if (faultFile === undefined || faultFile === '') return plan;
  if (!polling) {
    polling = true;
    reload();
    setInterval(reload, POLL_MS).unref();
  }
  return plan;
}

/** A half-written file (tests write it with rename, but be safe) keeps the previous plan. */
function reload(): void {
  try {
    plan = JSON.parse(readFileSync(faultFile as string, 'utf8')) as FaultPlan;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') plan = {};
  }
}

export function dropsTrafficTo(addr: string): boolean {
  return current().drop?.includes(addr) ?? false;
}

export function delayTo(addr: string): number {
  return current().delay?.[addr] ?? 0;
}

/** Throws the configured errno for this WAL operation, shaped like the error node:fs would give. */
export function injectStorageFault(operation: 'write' | 'fsync'): void {
  const code = operation === 'write' ? current().walWrite : current().walFsync;
  if (code === undefined) return;
  const messages: Record<string, string> = { ENOSPC: 'no space left on device', EIO: 'i/o error', EDQUOT: 'disk quota exceeded' };
  const err = new Error(`${code}: ${messages[code] ?? 'injected fault'}, ${operation} (injected by CHRONIK_FAULT_FILE)`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = operation;
  throw err;
}
