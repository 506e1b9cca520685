// A cluster of real `chronik bootstrap` processes on loopback ports 40000-44999 for the fault tests: kill -9
// and restart with the same command line, and per-node fault plans (CHRONIK_FAULT_FILE, src/node/faults.ts).
import { renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { FaultPlan } from '../../src/node/faults.js';
import { agreedLeader, spawnChronik, status, type NodeProcess, type Status } from '../e2e/node-harness.js';

const PORT_MIN = 40000;
const PORT_MAX = 44999;
const usedPorts = new Set<number>();

/** A free loopback port in 40000-44999 (this suite's range): a random candidate we could bind a moment ago. */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = PORT_MIN + Math.floor(Math.random() * (PORT_MAX - PORT_MIN + 1));
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
  throw new Error(`no free port in ${PORT_MIN}-${PORT_MAX}`);
}

export class Cluster {
  readonly addrs = new Map<number, string>();
  readonly args = new Map<number, string[]>();
  readonly nodes = new Map<number, NodeProcess>();
  private readonly faultFiles = new Map<number, string>();

  private constructor(
    readonly root: string,
    readonly ids: number[],
  ) {}

  /** Starts `size` voters that bootstrap together with --peers; extra flags go to every node. */
  static async start(root: string, size = 3, extra: string[] = []): Promise<Cluster> {
    const cluster = new Cluster(
      root,
      Array.from({ length: size }, (_, i) => i + 1),
    );
    for (const id of cluster.ids) cluster.addrs.set(id, `127.0.0.1:${await freePort()}`);
    for (const id of cluster.ids) {
      const peers = cluster.ids.filter((other) => other !== id).map((other) => `${other}@${cluster.addr(other)}`).join(',');
      cluster.args.set(id, ['bootstrap', '--node-id', String(id), '--listen', cluster.addr(id), '--peers', peers, '--data-dir', cluster.dataDir(id), ...extra]);
      cluster.faultFiles.set(id, join(root, `faults-${id}.json`));
      cluster.restart(id);
    }
    return cluster;
  }

  addr(id: number): string {
    return this.addrs.get(id) as string;
  }

  dataDir(id: number): string {
    return join(this.root, `node-${id}`);
  }

  node(id: number): NodeProcess {
    return this.nodes.get(id) as NodeProcess;
  }

  allAddrs(): string[] {
    return this.ids.map((id) => this.addr(id));
  }

  /** (Re)starts a node with exactly the command line it was first given. */
  restart(id: number): NodeProcess {
    const node = spawnChronik(this.args.get(id) as string[], { CHRONIK_FAULT_FILE: this.faultFiles.get(id) as string });
    this.nodes.set(id, node);
    return node;
  }

  async kill(id: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const node = this.node(id);
    if (node.proc.exitCode !== null || node.proc.signalCode !== null) return;
    node.proc.kill(signal);
    await node.exit;
  }

  /** Replaces node `id`'s fault plan; the node picks it up within ~50 ms. */
  setFaults(id: number, plan: FaultPlan): void {
    const file = this.faultFiles.get(id) as string;
    writeFileSync(`${file}.tmp`, JSON.stringify(plan));
    renameSync(`${file}.tmp`, file);
  }

  /** Cuts every link between the two groups, both ways (forwarded writes included). */
  partition(sideA: number[], sideB: number[]): void {
    for (const id of this.ids) {
      const other = sideA.includes(id) ? sideB : sideB.includes(id) ? sideA : [];
      this.setFaults(id, { drop: other.map((peer) => this.addr(peer)) });
    }
  }

  heal(): void {
    for (const id of this.ids) this.setFaults(id, {});
  }

  async leader(among = this.ids, timeoutMs = 30_000, not = 0): Promise<{ leader: number; term: number }> {
    return agreedLeader(
      among.map((id) => this.addr(id)),
      timeoutMs,
      not,
    );
  }

  async status(id: number): Promise<Status> {
    return status(this.addr(id));
  }
}
