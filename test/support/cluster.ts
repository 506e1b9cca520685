// The one launcher of real `chronik bootstrap` processes (node bin/run.js against the built dist) for
// the e2e tests, the fault tests and the benchmarks: the command line of a member, spawning with its
// log lines in reach, and killing whatever is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
export const RUN = join(REPO, 'bin/run.js');

export interface Peer {
  id: number;
  /** HOST:PORT */
  addr: string;
}

export interface MemberSpec extends Peer {
  dataDir: string;
  /** The other members, for --peers (none: a single node, or a --join node told nothing). */
  peers?: Peer[];
  join?: boolean;
  /** Further flags (timing, --log-file, snapshot settings, ...). */
  extra?: string[];
}

/** The `chronik bootstrap` command line (without node and bin/run.js) that starts and restarts a member. */
export function bootstrapArgs(spec: MemberSpec): string[] {
  const peers = (spec.peers ?? []).map((p) => `${p.id}@${p.addr}`).join(',');
  return [
    'bootstrap',
    '--node-id', String(spec.id),
    '--listen', spec.addr,
    '--data-dir', spec.dataDir,
    ...(peers === '' ? [] : ['--peers', peers]),
    ...(spec.join === true ? ['--join'] : []),
    ...(spec.extra ?? []),
  ];
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `chronik-${prefix}-`));
}

export interface NodeProcess {
  proc: ChildProcess;
  args: string[];
  stdout: string;
  stderr: string;
  exit: Promise<number | null>;
  /** Resolves with the first log line matching `pattern` (already seen or still to come). */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
}

const running = new Set<ChildProcess>();

/** `cwd`: where relative paths on the command line resolve (default: the repository). */
export function spawnChronik(args: string[], env: Record<string, string> = {}, cwd = REPO): NodeProcess {
  const proc = spawn(process.execPath, [RUN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const node: NodeProcess = {
    proc,
    args,
    stdout: '',
    stderr: '',
    exit: new Promise((done) =>
      proc.on('exit', (code, signal) => {
        running.delete(proc);
        done(signal !== null ? null : code);
      }),
    ),
    waitForLog(pattern, timeoutMs = 30_000) {
      const seen = node.stderr.split('\n').find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((done, fail) => {
        const timer = setTimeout(() => fail(new Error(`no log line matching ${pattern} within ${timeoutMs} ms; stderr:\n${node.stderr.slice(-3000)}`)), timeoutMs);
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            done(line);
          },
        });
      });
    },
  };
  proc.stdout?.on('data', (chunk: Buffer) => (node.stdout += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => {
    const before = node.stderr.length;
    node.stderr += chunk.toString();
    const fresh = node.stderr.slice(node.stderr.lastIndexOf('\n', before) + 1).split('\n');
    for (const line of fresh) {
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  });
  return node;
}

/** Kills every process this file spawned and still running; for afterAll/finally. */
export async function killAll(): Promise<void> {
  const exits = [...running].map((proc) => new Promise<void>((done) => (proc.exitCode !== null || proc.signalCode !== null ? done() : proc.once('exit', () => done()))));
  for (const proc of running) proc.kill('SIGKILL');
  await Promise.all(exits);
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Where the records of a WAL segment end, as far as bytes can tell: after its last byte that is not zero
 * (a node keeps zeros written ahead of its last record). If that record itself ends in zero bytes, this
 * is a little before its end, still inside it.
 */
export function recordsEnd(bytes: Buffer): number {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return end;
}
