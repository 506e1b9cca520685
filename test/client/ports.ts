// Loopback ports for tests, inside this suite's assigned range (25000-29999): try random ports and
// keep the first one that binds.
import { createServer, type Server } from 'node:net';

const LOW = 25000;
const HIGH = 29999;

function randomPort(): number {
  return LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
}

/** Binds `server` on 127.0.0.1 to a free port in range and returns the port. */
export async function listenInRange(server: Pick<Server, 'listen' | 'once' | 'removeAllListeners'>): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = randomPort();
    const bound = await new Promise<boolean>((resolve) => {
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => resolve(true));
    });
    server.removeAllListeners('error');
    if (bound) return port;
  }
  throw new Error(`no free port in ${LOW}-${HIGH}`);
}

/** A port that was free a moment ago, for a child process to listen on. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenInRange(probe);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
