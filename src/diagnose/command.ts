// What `chronik diagnose` does once its arguments are parsed, shared by the oclif command and the
// fast start (src/cli/fast-start.ts), so both print the same report and exit the same way.
import { parseDuration } from '../shared/duration.js';
import { EXIT_UNHEALTHY, UsageError } from '../shared/errors.js';
import { diagnose } from './index.js';
import { SEVERITY_RANK, type Severity } from './model.js';

export interface DiagnoseFlags {
  json: boolean;
  since?: string;
  until?: string;
  minSeverity: Severity;
}

/** Writes the report to stdout; returns the exit code (3 when a finding is at warning or above). */
export async function runDiagnose(paths: string[], flags: DiagnoseFlags): Promise<number> {
  const now = Date.now();
  const report = await diagnose(paths, { since: parseTime(flags.since, '--since', now), until: parseTime(flags.until, '--until', now) });
  if (flags.json) {
    const findings = report.findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[flags.minSeverity]);
    process.stdout.write(`${JSON.stringify({ ...report, findings }, null, 2)}\n`);
  } else {
    // Loaded only for human output: chalk is not needed for --json.
    const { renderHuman } = await import('./render.js');
    process.stdout.write(`${renderHuman(report, flags.minSeverity)}\n`);
  }
  return report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.warning) ? EXIT_UNHEALTHY : 0;
}

/** ISO time, or a duration with units meaning that long before now. */
export function parseTime(text: string | undefined, flag: string, now: number): number | undefined {
  if (text === undefined) return undefined;
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?d$/.test(trimmed)) return now - Number(trimmed.slice(0, -1)) * 86_400_000;
  if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(trimmed)) return now - parseDuration(trimmed, flag);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`invalid ${flag} "${text}"`, 'use an ISO time (2026-11-26T04:00:00Z) or a duration meaning "ago" (2h, 30m)');
  return ms;
}
