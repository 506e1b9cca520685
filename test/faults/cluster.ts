// A cluster of real `chronik bootstrap` processes on loopback (the faults port range) for the fault tests: kill -9
// and restart with the same command line, and per-node fault plans (CHRONIK_FAULT_FILE, src/node/faults.ts);
// over plain HTTP or mutual TLS (the Wire).
import type { ChildProcess } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FaultPlan } from '../../src/node/faults.js';
import { bootstrapArgs, spawnChronik, type NodeProcess } from '../support/cluster.js';
import { freePorts } from '../support/ports.js';
import type { NodeApi, Status } from '../e2e/node-harness.js';
import { makeWire, type Wire } from '../e2e/wire.js';

export class Cluster {
  readonly addrs = new Map<number, string>();
  readonly args = new Map<number, string[]>();
  readonly nodes = new Map<number, NodeProcess>();
  private readonly faultFiles = new Map<number, string>();

  private constructor(
    readonly root: string,
    readonly ids: number[],
    readonly wire: Wire,
  ) {}

  /**
   * Starts `size` voters that bootstrap together with --peers; extra flags go to every node. Addresses
   * (addr(), fault plans) stay HOST:PORT whatever the wire.
   */
  static async start(root: string, size = 3, extra: string[] = [], wire: Wire = makeWire('plain', size)): Promise<Cluster> {
    const cluster = new Cluster(
      root,
      Array.from({ length: size }, (_, i) => i + 1),
      wire,
    );
    const ports = await freePorts(size, 'faults');
    const members = cluster.ids.map((id, i) => ({ id, addr: `127.0.0.1:${ports[i]}` }));
    for (const member of members) cluster.addrs.set(member.id, member.addr);
    for (const { id, addr } of members) {
      const peers = members.filter((other) => other.id !== id).map((peer) => ({ id: peer.id, addr: wire.url(peer.addr) }));
      const flags = [...wire.memberFlags(id), ...extra];
      cluster.args.set(id, bootstrapArgs({ id, addr: wire.url(addr), peers, dataDir: cluster.dataDir(id), extra: flags }));
      cluster.faultFiles.set(id, join(root, `faults-${id}.json`));
      cluster.restart(id);
    }
    return cluster;
  }

  /** The test's client of the members' HTTP API, over the cluster's wire. */
  get api(): NodeApi {
    return this.wire.api;
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

  /**
   * Replaces node `id`'s fault plan and, if the node is running, waits until it has taken the plan up
   * (the injector echoes it to `<file>.applied`), so what the test does next happens under the fault.
   */
  async setFaults(id: number, plan: FaultPlan): Promise<void> {
    await applyFaultPlan(this.faultFiles.get(id) as string, plan, this.node(id).proc, `node ${id}`);
  }

  /** Cuts every link between the two groups, both ways (forwarded writes included). */
  async partition(sideA: number[], sideB: number[]): Promise<void> {
    await Promise.all(
      this.ids.map((id) => {
        const other = sideA.includes(id) ? sideB : sideB.includes(id) ? sideA : [];
        return this.setFaults(id, { drop: other.map((peer) => this.addr(peer)) });
      }),
    );
  }

  async heal(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.setFaults(id, {})));
  }

  async leader(among = this.ids, timeoutMs = 60_000, not = 0): Promise<{ leader: number; term: number }> {
    return this.api.agreedLeader(
      among.map((id) => this.addr(id)),
      timeoutMs,
      not,
    );
  }

  async status(id: number): Promise<Status> {
    return this.api.status(this.addr(id));
  }
}

/**
 * Replaces a node's fault plan (CHRONIK_FAULT_FILE) atomically and waits until the running node has taken
 * it up (it echoes the plan to `<file>.applied`), or has exited (a storage fault may stop it).
 */
export async function applyFaultPlan(file: string, plan: FaultPlan, proc: ChildProcess, who: string): Promise<void> {
  const text = JSON.stringify(plan);
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
  const deadline = Date.now() + 15_000;
  while (proc.exitCode === null && proc.signalCode === null) {
    if (readApplied(file) === text) return;
    if (Date.now() > deadline) throw new Error(`${who} did not take up its fault plan ${text} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function readApplied(file: string): string | undefined {
  try {
    return readFileSync(`${file}.applied`, 'utf8');
  } catch {
    return undefined;
  }
}
