// Real `chronik bootstrap` processes on loopback for the e2e tests and the CLI benchmark: start,
// wait until they answer, stop (SIGTERM or kill -9), restart with the same command line; over plain HTTP
// or mutual TLS (the Wire).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapArgs, spawnChronik, type NodeProcess } from '../support/cluster.js';
import { freePorts } from '../support/ports.js';
import { makeWire, type Wire } from './wire.js';

/** Short ticks keep elections near half a second so the suite stays quick on two shared cores. */
const TIMING = ['--tick', '50ms', '--election-ticks', '10', '--heartbeat-ticks', '2'];

export interface NodeSpec {
  id: number;
  port: number;
  peers?: { id: number; port: number }[];
  join?: boolean;
  /** The cluster token, passed as CHRONIK_TOKEN. */
  token?: string;
  /** --tick, --election-ticks, --heartbeat-ticks, if not the suite's short TIMING. */
  timing?: string[];
}

export class TestNode {
  private process?: NodeProcess;
  readonly logFile: string;

  constructor(
    readonly spec: NodeSpec,
    readonly dataDir: string,
    readonly wire: Wire,
  ) {
    this.logFile = join(dataDir, '..', `node-${spec.id}.log`);
  }

  /** HOST:PORT, as the membership and the CLI's output name it. */
  get endpoint(): string {
    return `127.0.0.1:${this.spec.port}`;
  }

  /** The endpoint as an operator writes it: with https:// on a TLS wire. */
  get url(): string {
    return this.wire.url(this.endpoint);
  }

  get args(): string[] {
    return bootstrapArgs({
      id: this.spec.id,
      addr: this.url,
      dataDir: this.dataDir,
      peers: (this.spec.peers ?? []).map((p) => ({ id: p.id, addr: this.wire.url(`127.0.0.1:${p.port}`) })),
      join: this.spec.join,
      extra: ['--log-file', this.logFile, ...(this.spec.timing ?? TIMING), ...this.wire.memberFlags(this.spec.id)],
    });
  }

  get running(): boolean {
    const proc = this.process?.proc;
    return proc !== undefined && proc.exitCode === null && proc.signalCode === null;
  }

  /** Starts the process and waits until its HTTP API answers. */
  async start(): Promise<void> {
    this.process = spawnChronik(this.args, { NODE_ENV: 'production', CHRONIK_TOKEN: this.spec.token ?? '' });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`node ${this.spec.id} exited during start: ${this.tail()}`);
      try {
        await this.wire.api.http(this.endpoint, 'GET', '/health');
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`node ${this.spec.id} did not answer on ${this.endpoint} within 20s: ${this.tail()}`);
  }

  /** SIGTERM (clean stop) or SIGKILL (crash); resolves once the process is gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const node = this.process;
    if (!this.running || node === undefined) return;
    node.proc.kill(signal);
    const timer = setTimeout(() => node.proc.kill('SIGKILL'), 10_000);
    await node.exit;
    clearTimeout(timer);
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT freeze and thaw the process: a silent node). */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    if (this.running) this.process?.proc.kill(signal);
  }

  tail(lines = 15): string {
    const read = (file: string): string => {
      try {
        return readFileSync(file, 'utf8');
      } catch {
        return '';
      }
    };
    return `${read(this.logFile)}${this.process?.stderr ?? ''}`.trimEnd().split('\n').slice(-lines).join('\n');
  }
}

/** A scratch directory holding the nodes' data dirs and logs; stop() kills every node started from it. */
export class TestCluster {
  readonly dir = mkdtempSync(join(tmpdir(), 'chronik-e2e-'));
  readonly nodes: TestNode[] = [];

  constructor(readonly wire: Wire = makeWire('plain', 0)) {}

  static ports(count: number): Promise<number[]> {
    return freePorts(count, 'client');
  }

  node(spec: NodeSpec): TestNode {
    const node = new TestNode(spec, join(this.dir, `node-${spec.id}`), this.wire);
    this.nodes.push(node);
    return node;
  }

  /** A fresh cluster of `size` voters that all know each other from the start. */
  async startVoters(size: number, timing?: string[]): Promise<TestNode[]> {
    const ports = await TestCluster.ports(size);
    const specs = ports.map((port, i) => ({ id: i + 1, port, ...(timing !== undefined ? { timing } : {}) }));
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
