// Events in, findings out: builds events as an interpreter would emit them and runs them through the
// analyzer and every detector in process (no files, no command).
import { Analyzer } from '../../../src/diagnose/analyzer.js';
import { withTableCodes } from '../../../src/diagnose/detectors/refine.js';
import type { EventKind, Finding, RaftEvent } from '../../../src/diagnose/model.js';

export const BASE = Date.parse('2026-11-26T05:00:00Z');

/** Builds one node's events: `t` is seconds from BASE, or undefined for an untimed paste. */
export function node(id: string, group = 'g', file = `${id}.log`): (t: number | undefined, kind: EventKind, props?: Partial<Omit<RaftEvent, 'kind' | 'time' | 'evidence'>>) => RaftEvent {
  let line = 0;
  return (t, kind, props = {}) => ({
    kind,
    group,
    node: id,
    ...props,
    ...(t === undefined ? {} : { time: BASE + t * 1000 }),
    evidence: { file, line: ++line, text: `${kind} ${JSON.stringify(props)}` },
  });
}

export function analyze(events: RaftEvent[], ends: [node: string, group: string, lastSecond: number][] = []): Finding[] {
  const analyzer = new Analyzer();
  for (const event of events) analyzer.handle(event);
  for (const [id, group, s] of ends) analyzer.endOfStream(id, group, BASE + s * 1000);
  // As diagnose() reports them: a refining code with the table code it refines.
  return withTableCodes(analyzer.findings());
}

export const codes = (findings: Finding[]): string[] => findings.map((f) => f.code).sort();
/** Codes at warning or above: what makes diagnose exit 3. */
export const alarms = (findings: Finding[]): string[] => findings.filter((f) => f.severity !== 'info').map((f) => f.code).sort();
export const find = (findings: Finding[], code: string): Finding | undefined => findings.find((f) => f.code === code);
