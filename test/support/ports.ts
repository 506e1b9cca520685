// The one loopback port allocator of the tests and benchmarks. Each suite has its own range, so
// suites running side by side never collide; a port is one we could bind a moment ago and was never
// handed out before in this process.

import { createServer, type Server } from 'node:net';

/**
 * faults: test/faults and the fault e2e tests; e2e: the bootstrap and snapshot e2e tests; client: the
 * client tests and the CLI's clusters (test/e2e/cluster.ts); bench: the benchmarks. The first three
 * sit below Linux's ephemeral range (32768-60999), where an outbound connection could take a port
 * between the check here and the node's own bind.
 */
export const PORT_RANGES = {
  faults: [15000, 19999],
  e2e: [20000, 24999],
  client: [25000, 29999],
  bench: [35000, 39999],
} as const satisfies Record<string, readonly [number, number]>;

export type PortRange = keyof typeof PORT_RANGES;

const handedOut = new Set<number>();

function candidate(range: PortRange): number {
  const [low, high] = PORT_RANGES[range];
  return low + Math.floor(Math.random() * (high - low + 1));
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port in `range` for a child process to listen on. */
export async function freePort(range: PortRange): Promise<number> {
  const [port] = await freePorts(1, range);
  return port as number;
}

/** `count` distinct ports in `range`. */
export async function freePorts(count: number, range: PortRange): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 500; attempt++) {
    const port = candidate(range);
    if (handedOut.has(port) || !(await canBind(port))) continue;
    handedOut.add(port);
    ports.push(port);
  }
  if (ports.length < count) throw new Error(`no ${count} free ports in ${PORT_RANGES[range].join('-')}`);
  return ports;
}

/** Binds `server` (in this process) on 127.0.0.1 to a port in `range` and returns the port. */
export async function listenInRange(server: Pick<Server, 'listen' | 'once' | 'removeAllListeners'>, range: PortRange): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = candidate(range);
    if (handedOut.has(port)) continue;
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    server.removeAllListeners('error');
    if (bound) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free port in ${PORT_RANGES[range].join('-')}`);
}
