// CPU time of a process (all threads) from /proc, to compare how much work each system spends per write.
import { readFileSync } from 'node:fs';

/** /proc reports utime and stime in USER_HZ ticks, which Linux fixes at 100 per second. */
const MS_PER_TICK = 10;

/** User + system CPU milliseconds used so far by pid, or null if it is gone or /proc is unavailable. */
export function cpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces; fields after its closing paren are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return null;
  }
}
