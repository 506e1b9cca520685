// Reads a V8 .cpuprofile (node --cpu-prof) and says where the busy time went: top functions by self
// time, self time per source file, and inclusive time of the project's own functions.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  name: string;
  ms: number;
  percentOfBusy: number;
}

export interface ProfileSummary {
  file: string;
  totalMs: number;
  idleMs: number;
  busyMs: number;
  topSelf: ProfileLine[];
  selfByFile: ProfileLine[];
  topInclusiveOwnCode: ProfileLine[];
}

/** Short, stable label for a script url: our sources by path from the repo, others by package or builtin. */
function fileLabel(url: string): string {
  if (url === '') return '(native / VM)';
  const nodeModules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModules) return `npm:${nodeModules[1]}`;
  if (url.startsWith('node:')) return url;
  const own = /\/(dist|src|bench|bin)\/(.*)$/.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  return url;
}

function frameLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  return url === '' ? name : `${name} ${fileLabel(url)}:${lineNumber + 1}`;
}

const IDLE_FRAMES = new Set(['(idle)']);

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((nodeId, i) => {
    selfUs.set(nodeId, (selfUs.get(nodeId) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });

  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  let idleUs = 0;
  let totalUs = 0;
  const selfByFrame = new Map<string, number>();
  const selfByFile = new Map<string, number>();
  const inclusiveOwn = new Map<string, number>();
  for (const [nodeId, us] of selfUs) {
    const node = byId.get(nodeId);
    if (!node) continue;
    totalUs += us;
    if (IDLE_FRAMES.has(node.callFrame.functionName)) {
      idleUs += us;
      continue;
    }
    const label = frameLabel(node);
    selfByFrame.set(label, (selfByFrame.get(label) ?? 0) + us);
    const fileKey = node.callFrame.url === '' ? node.callFrame.functionName : fileLabel(node.callFrame.url);
    selfByFile.set(fileKey, (selfByFile.get(fileKey) ?? 0) + us);
    // Inclusive time: charge each distinct own-code frame on the stack once per sample weight.
    const seen = new Set<string>();
    for (let cursor: number | undefined = nodeId; cursor !== undefined; cursor = parent.get(cursor)) {
      const frame = byId.get(cursor);
      if (!frame || !/\/(dist|src)\//.test(frame.callFrame.url) || frame.callFrame.url.includes('node_modules')) continue;
      const frameName = frameLabel(frame);
      if (seen.has(frameName)) continue;
      seen.add(frameName);
      inclusiveOwn.set(frameName, (inclusiveOwn.get(frameName) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const lines = (map: Map<string, number>): ProfileLine[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: us / 1000, percentOfBusy: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return {
    file,
    totalMs: totalUs / 1000,
    idleMs: idleUs / 1000,
    busyMs: busyUs / 1000,
    topSelf: lines(selfByFrame),
    selfByFile: lines(selfByFile),
    topInclusiveOwnCode: lines(inclusiveOwn),
  };
}

export function renderProfile(summary: ProfileSummary): string {
  const section = (title: string, rows: ProfileLine[]) =>
    [`${title}`, ...rows.map((row) => `  ${row.percentOfBusy.toFixed(1).padStart(5)}%  ${row.ms.toFixed(0).padStart(7)} ms  ${row.name}`)].join('\n');
  return [
    `profile ${summary.file}: ${summary.totalMs.toFixed(0)} ms sampled, ${summary.busyMs.toFixed(0)} ms busy, ${summary.idleMs.toFixed(0)} ms idle`,
    section('self time by function (% of busy):', summary.topSelf),
    section('self time by file:', summary.selfByFile),
    section('inclusive time, chronik code:', summary.topInclusiveOwnCode),
  ].join('\n');
}
