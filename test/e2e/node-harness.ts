// Spawns real `chronik bootstrap` processes (node bin/run.js against the built dist) on loopback ports in
// 20000-24999, reads their logs, talks to their HTTP API, and kills whatever is left in afterAll.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../..');
const RUN = join(REPO, 'bin/run.js');
const usedPorts = new Set<number>();

/**
 * A free loopback port in [min, max] (each suite has its own range so suites running side by side
 * never collide): a random candidate that we could bind a moment ago, never handed out twice.
 */
export async function freePortIn(min: number, max: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (usedPorts.has(port)) continue;
    const ok = await new Promise<boolean>((done) => {
      const server = createServer();
      server.once('error', () => done(false));
      server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
    });
    if (ok) {
      usedPorts.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${min}-${max}`);
}

/** A free port in the node suite's range, 20000-24999. */
export function freePort(): Promise<number> {
  return freePortIn(20000, 24999);
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

export function spawnChronik(args: string[], env: Record<string, string> = {}): NodeProcess {
  const proc = spawn(process.execPath, [RUN, ...args], {
    cwd: REPO,
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

export interface HttpAnswer {
  status: number;
  body: Record<string, unknown>;
  text: string;
}

/**
 * Writes every key through `clients` concurrent HTTP clients; each must be acknowledged (200). Up to
 * `timeoutRetries` 504s per key are retried (a put is idempotent); any other answer fails the write.
 */
export async function writeAll(addr: string, keys: string[], value: (key: string) => string, clients: number, timeoutRetries = 0): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < keys.length) {
        const key = keys[next++] as string;
        for (let attempt = 0; ; attempt++) {
          const answer = await http(addr, 'POST', '/v1/propose', { key, value: value(key) });
          if (answer.status === 200) break;
          if (answer.status !== 504 || attempt >= timeoutRetries) throw new Error(`write ${key}: ${answer.status} ${answer.text}`);
        }
      }
    }),
  );
}

export async function http(addr: string, method: string, path: string, body?: unknown, token?: string): Promise<HttpAnswer> {
  const response = await fetch(`http://${addr}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // /metrics answers text
  }
  return { status: response.status, body: parsed, text };
}

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 30_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

export interface Status {
  id: number;
  role: string;
  member: string;
  term: number;
  leader: number;
  commitIndex: number;
  appliedIndex: number;
  lastIndex: number;
  voters: number[];
  learners: number[];
}

export async function status(addr: string, token?: string): Promise<Status> {
  const answer = await http(addr, 'GET', '/v1/status', undefined, token);
  if (answer.status !== 200) throw new Error(`status ${answer.status}: ${answer.text}`);
  return answer.body as unknown as Status;
}

/** The leader id once every given node reports the same leader (other than `not`), in the same term. */
export async function agreedLeader(addrs: string[], timeoutMs = 30_000, not = 0): Promise<{ leader: number; term: number }> {
  return eventually(
    async () => {
      const views = await Promise.all(addrs.map((addr) => status(addr)));
      const first = views[0];
      if (first === undefined || first.leader === 0 || first.leader === not) return undefined;
      return views.every((view) => view.leader === first.leader && view.term === first.term) ? { leader: first.leader, term: first.term } : undefined;
    },
    timeoutMs,
    'all nodes to agree on a leader',
  );
}
