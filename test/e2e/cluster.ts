// Real `chronik bootstrap` processes on loopback for the e2e tests and the CLI benchmark: start,
// wait until they answer, stop (SIGTERM or kill -9), restart with the same command line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../client/ports.js';

const RUN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** Short ticks keep elections near half a second so the suite stays quick on two shared cores. */
const TIMING = ['--tick', '50ms', '--election-ticks', '10', '--heartbeat-ticks', '2'];

export interface NodeSpec {
  id: number;
  port: number;
  peers?: { id: number; port: number }[];
  join?: boolean;
  /** The cluster token, passed as CHRONIK_TOKEN. */
  token?: string;
}

export class TestNode {
  private child?: ChildProcess;
  private exited?: Promise<number | null>;
  readonly logFile: string;

  constructor(
    readonly spec: NodeSpec,
    readonly dataDir: string,
  ) {
    this.logFile = join(dataDir, '..', `node-${spec.id}.log`);
  }

  get endpoint(): string {
    return `127.0.0.1:${this.spec.port}`;
  }

  get args(): string[] {
    const peers = (this.spec.peers ?? []).map((p) => `${p.id}@127.0.0.1:${p.port}`).join(',');
    return [
      'bootstrap',
      '--node-id', String(this.spec.id),
      '--listen', this.endpoint,
      '--data-dir', this.dataDir,
      '--log-file', this.logFile,
      ...TIMING,
      ...(peers ? ['--peers', peers] : []),
      ...(this.spec.join ? ['--join'] : []),
    ];
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the process and waits until its HTTP API answers. */
  async start(): Promise<void> {
    const stderr = openSync(`${this.logFile}.stderr`, 'a');
    const child = spawn(process.execPath, [RUN, ...this.args], { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', CHRONIK_TOKEN: this.spec.token ?? '' }, stdio: ['ignore', 'ignore', stderr] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`node ${this.spec.id} exited during start: ${this.tail()}`);
      try {
        const response = await fetch(`http://${this.endpoint}/health`, { signal: AbortSignal.timeout(500) });
        await response.body?.cancel();
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`node ${this.spec.id} did not answer on ${this.endpoint} within 20s: ${this.tail()}`);
  }

  /** SIGTERM (clean stop) or SIGKILL (crash); resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.running || !this.child) return;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  tail(lines = 15): string {
    const read = (file: string): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    return `${read(this.logFile)}${read(`${this.logFile}.stderr`)}`.trimEnd().split('\n').slice(-lines).join('\n');
  }
}

/** A scratch directory holding the nodes' data dirs and logs; stop() kills every node started from it. */
export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'chronik-e2e-'));
  readonly nodes: TestNode[] = [];

  static async ports(count: number): Promise<number[]> {
    const ports: number[] = [];
    while (ports.length < count) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    return ports;
  }

  node(spec: NodeSpec): TestNode {
    const node = new TestNode(spec, join(this.dir, `node-${spec.id}`));
    this.nodes.push(node);
    return node;
  }

  /** A fresh cluster of `size` voters that all know each other from the start. */
  async startVoters(size: number): Promise<TestNode[]> {
    const ports = await TestCluster.ports(size);
    const specs = ports.map((port, i) => ({ id: i + 1, port }));
    const nodes = specs.map((spec) => this.node({ ...spec, peers: specs.filter((p) => p.id !== spec.id) }));
    await Promise.all(nodes.map((n) => n.start()));
    return nodes;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop('SIGKILL')));
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
