// Owns every process and temp dir a benchmark creates, so that a normal end, an error, SIGINT or a
// watchdog timeout all leave nothing running and nothing on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code (or signal name) once the process has gone. */
  readonly exited: Promise<number | string>;
}

const live = new Set<ManagedProcess>();
const tempDirs = new Set<string>();
let keepTempDirs = false;
let handlersInstalled = false;

/** Kills everything still running with SIGKILL and removes temp dirs; synchronous so 'exit' can use it. */
export function killEverythingNow(): void {
  for (const proc of live) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  }
  live.clear();
  if (!keepTempDirs) {
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
    tempDirs.clear();
  }
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killEverythingNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      console.error(`Error: interrupted by ${signal}; killing benchmark processes`);
      killEverythingNow();
      process.exit(130);
    });
  }
}

/** Keep temp dirs (logs, data) after the run, for debugging a failed benchmark. */
export function keepTempDirsOnExit(): void {
  keepTempDirs = true;
}

export function makeTempDir(prefix: string): string {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), `chronik-bench-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

/** Starts a process whose stdout and stderr go to logFile (appended: restarts share one log). */
export function startProcess(name: string, command: string, args: string[], logFile: string): ManagedProcess {
  installHandlers();
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
    child.once('error', (err) => resolve(`spawn error: ${err.message}`));
  });
  const proc: ManagedProcess = { name, child, exited };
  live.add(proc);
  void exited.then(() => live.delete(proc));
  return proc;
}

/** kill -9, and wait until the kernel has reaped it. */
export async function killHard(proc: ManagedProcess): Promise<void> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await proc.exited;
}

/** SIGTERM (lets node write --cpu-prof output), then SIGKILL if it has not gone within graceMs. */
export async function stopGracefully(proc: ManagedProcess, graceMs: number): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), graceMs);
  await proc.exited;
  clearTimeout(timer);
}

/** Aborts the whole benchmark if it runs past its bound, whatever it is waiting on. */
export function startWatchdog(limitMs: number): () => void {
  installHandlers();
  const timer = setTimeout(() => {
    console.error(`Error: benchmark exceeded its ${Math.round(limitMs / 1000)} s bound; killing everything`);
    killEverythingNow();
    process.exit(1);
  }, limitMs);
  timer.unref();
  return () => clearTimeout(timer);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The member processes of one benchmark cluster: how a member is (re)started is the cluster's business
 * (`launch`), killing, restarting with the same command line and stopping are the same for every system.
 */
export class MemberProcesses {
  private readonly processes: (ManagedProcess | undefined)[] = [];

  constructor(
    private readonly dir: string,
    private readonly command: (member: number) => { name: string; file: string; args: string[]; log: string },
    private readonly stopGraceMs: number,
  ) {}

  launch(member: number): void {
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    const { name, file, args, log } = this.command(member);
    this.processes[member] = startProcess(name, file, args, join(this.dir, 'logs', log));
  }

  pid(member: number): number | undefined {
    return this.processes[member]?.child.pid;
  }

  async kill(member: number): Promise<void> {
    const proc = this.processes[member];
    if (proc) await killHard(proc);
  }

  /** SIGTERM first, SIGKILL after the grace period. */
  async stop(): Promise<void> {
    await Promise.all(this.processes.map((proc) => (proc ? stopGracefully(proc, this.stopGraceMs) : undefined)));
  }
}
