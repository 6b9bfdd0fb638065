import type { Socket as NetSocket } from 'node:net';
import type { Server } from 'socket.io';

/** What is used of an Engine.IO connection (Socket.IO's transport layer). */
interface EngineConnection {
  flush(): void;
  transport?: { socket?: { _socket?: NetSocket } };
}

/**
 * Sends each connection's packets of one turn of the event loop together: Engine.IO writes every
 * packet as it is made (a command's ack and its broadcast, each of a dozen broadcasts to a list's
 * members: one system call each), here a connection's packets wait in Engine.IO's own buffer until
 * the loop's check phase and leave in one write. The ordering of packets is unchanged; a packet
 * waits at most until the end of the current turn of the loop.
 */
export function coalesceWrites(server: Server): void {
  const waiting = new Set<EngineConnection>();
  let scheduled = false;
  const flushAll = () => {
    scheduled = false;
    const connections = [...waiting];
    waiting.clear();
    for (const connection of connections) {
      // The WebSocket's TCP socket; long-polling has none (its writes are one HTTP response anyway).
      const tcp = connection.transport?.socket?._socket;
      tcp?.cork();
      try {
        (Object.getPrototypeOf(connection) as EngineConnection).flush.call(connection);
      } finally {
        tcp?.uncork();
      }
    }
  };
  server.engine.on('connection', (connection: EngineConnection) => {
    connection.flush = () => {
      waiting.add(connection);
      if (scheduled) return;
      scheduled = true;
      setImmediate(flushAll);
    };
  });
}
