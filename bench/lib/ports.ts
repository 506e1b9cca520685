// Free loopback ports inside the range assigned to the benchmarks (35000-39999), checked by binding.
import { createServer } from 'node:net';

const RANGE_START = 35000;
const RANGE_END = 39999;
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** `count` distinct ports that were free a moment ago and were not handed out before in this process. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const span = RANGE_END - RANGE_START + 1;
  for (let attempt = 0; ports.length < count && attempt < span; attempt++) {
    const port = RANGE_START + Math.floor(Math.random() * span);
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      ports.push(port);
    }
  }
  if (ports.length < count) throw new Error(`no ${count} free ports in ${RANGE_START}-${RANGE_END}`);
  return ports;
}
