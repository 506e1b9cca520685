// The TCP front of a TLS node: a connection that opens with a TLS handshake goes to the HTTPS server; one
// that speaks plain HTTP gets a clear 400 naming https:// instead of a reset or a hang.
import { createServer, type Server, type Socket } from 'node:net';

/** First byte of a TLS record carrying a handshake. */
const TLS_HANDSHAKE = 0x16;

const PLAIN_HTTP_BODY = JSON.stringify({ error: 'this node serves HTTPS: use an https:// endpoint', code: 'TLS_REQUIRED' });
const PLAIN_HTTP_ANSWER =
  `HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(PLAIN_HTTP_BODY)}\r\n` +
  `connection: close\r\n\r\n${PLAIN_HTTP_BODY}`;

/** A net server that hands TLS connections to `tlsServer` (through its 'connection' event) and refuses the rest. */
export function tlsFront(tlsServer: Server): Server {
  return createServer((socket: Socket) => {
    socket.on('error', () => socket.destroy());
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      if (chunk[0] === TLS_HANDSHAKE) {
        // The TLS socket reads what is buffered on the raw socket first, so the handshake's first bytes are not lost.
        socket.unshift(chunk);
        socket.removeAllListeners('error');
        tlsServer.emit('connection', socket);
        return;
      }
      socket.end(PLAIN_HTTP_ANSWER);
      socket.destroySoon();
    });
  });
}
