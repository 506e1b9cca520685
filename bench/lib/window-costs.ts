// What a measured window cost each side: the leader's WAL fsyncs (how well writes are batched) and CPU
// time per write of the leader, the followers and the client, read from /metrics and /proc.
import { cpuMs } from './cpu.js';
import { scrapeFsyncCounters, type BenchCluster, type FsyncCounters } from './cluster.js';

export interface WindowSnapshot {
  fsync: FsyncCounters | null;
  memberCpuMs: (number | null)[];
  clientCpuMs: number;
}

export interface WindowCosts {
  leaderFsyncsPerSec: number | null;
  writesPerLeaderFsync: number | null;
  meanLeaderFsyncMs: number | null;
  /** Share of one CPU the leader process used during the window. */
  leaderCpuPercent: number | null;
  leaderCpuUsPerWrite: number | null;
  /** Mean over the followers. */
  followerCpuUsPerWrite: number | null;
  /** The load generator (this process), the same program for both systems. */
  clientCpuUsPerWrite: number;
}

function processCpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export async function snapshotWindow(cluster: BenchCluster, leader: number): Promise<WindowSnapshot> {
  const memberCpuMs = Array.from({ length: cluster.size }, (_, member) => cpuMs(cluster.pid(member)));
  const clientCpuMs = processCpuMs();
  return { fsync: await scrapeFsyncCounters(cluster, leader), memberCpuMs, clientCpuMs };
}

export function windowCosts(start: WindowSnapshot, end: WindowSnapshot, leader: number, ops: number, windowMs: number): WindowCosts {
  const fsyncCount = start.fsync && end.fsync ? end.fsync.count - start.fsync.count : null;
  const fsyncSeconds = start.fsync && end.fsync ? end.fsync.sumSeconds - start.fsync.sumSeconds : null;
  const cpuDelta = (member: number): number | null => {
    const before = start.memberCpuMs[member];
    const after = end.memberCpuMs[member];
    return before === null || before === undefined || after === null || after === undefined ? null : after - before;
  };
  const perWriteUs = (ms: number | null) => (ms === null || ops === 0 ? null : (ms * 1000) / ops);
  const followerDeltas = start.memberCpuMs
    .map((_, member) => member)
    .filter((member) => member !== leader)
    .map(cpuDelta)
    .filter((delta): delta is number => delta !== null);
  const leaderCpu = cpuDelta(leader);
  return {
    leaderFsyncsPerSec: fsyncCount === null ? null : (fsyncCount * 1000) / windowMs,
    writesPerLeaderFsync: fsyncCount ? ops / fsyncCount : null,
    meanLeaderFsyncMs: fsyncCount && fsyncSeconds !== null ? (fsyncSeconds * 1000) / fsyncCount : null,
    leaderCpuPercent: leaderCpu === null ? null : (100 * leaderCpu) / windowMs,
    leaderCpuUsPerWrite: perWriteUs(leaderCpu),
    followerCpuUsPerWrite:
      followerDeltas.length === 0 ? null : perWriteUs(followerDeltas.reduce((acc, delta) => acc + delta, 0) / followerDeltas.length),
    clientCpuUsPerWrite: perWriteUs(end.clientCpuMs - start.clientCpuMs) ?? Number.NaN,
  };
}
