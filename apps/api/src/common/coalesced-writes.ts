import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/** What is used of an Engine.IO connection (Socket.IO's transport layer). */
interface EngineConnection {
  flush: (this: EngineConnection) => void;
  writeBuffer: unknown[];
  transport?: { writable?: boolean; socket?: { _socket?: NetSocket } };
}

/**
 * Sends each connection's packets of one turn of the event loop together: Engine.IO writes every
 * packet as it is made (a command's ack and its broadcast, each of a dozen broadcasts to a list's
 * members: one system call each), here a connection's packets wait in Engine.IO's own buffer until
 * the loop's check phase and leave in one write. The ordering of packets is unchanged; a packet
 * waits at most until the end of the current turn of the loop.
 *
 * Only a connection with packets its transport can take now waits for the check phase: Engine.IO
 * also flushes after every completed write (to send what queued meanwhile), and in a fan-out,
 * where each write is a single packet, deferring those empty flushes doubled the work per
 * delivery. A single packet leaves without the extra cork, since the WebSocket corks its own
 * frame.
 */
export function coalesceWrites(server: Server): void {
  let waiting = new Set<EngineConnection>();
  const flushAll = () => {
    const connections = waiting;
    waiting = new Set();
    for (const connection of connections) {
      const flush = (Object.getPrototypeOf(connection) as EngineConnection).flush;
      // The WebSocket's TCP socket; long-polling has none (its writes are one HTTP response anyway).
      const tcp = connection.writeBuffer.length > 1 ? connection.transport?.socket?._socket : undefined;
      if (!tcp) {
        flush.call(connection);
        continue;
      }
      tcp.cork();
      try {
        flush.call(connection);
      } finally {
        tcp.uncork();
      }
    }
  };
  server.engine.on('connection', (connection: EngineConnection) => {
    connection.flush = () => {
      // Nothing to send, or the transport is busy (it flushes again once its write completes).
      if (connection.writeBuffer.length === 0 || !connection.transport?.writable) return;
      if (waiting.size === 0) setImmediate(flushAll);
      waiting.add(connection);
    };
  });
}
