import type { Socket as NetSocket } from 'node:net';
import type { Namespace, Server } from 'socket.io';
import { encodedBroadcasts, holdFramed, writeFramed, writeHeld } from './framed-broadcasts.js';

/** What is used of an Engine.IO connection (Socket.IO's transport layer). */
interface EngineConnection {
  flush: (this: EngineConnection) => void;
  writeBuffer: unknown[];
  transport?: { writable?: boolean; socket?: { _socket?: NetSocket } };
}

/** What is used of a namespace's adapter: the loop over a broadcast's sockets, and its rooms. */
interface BroadcastAdapter {
  apply: (opts: { rooms: Set<string>; except?: Set<string> }, callback: (socket: unknown) => void) => void;
  rooms: Map<string, Set<string>>;
}

/**
 * The adapter's loop for a broadcast to one room with no exceptions: its sockets in the room's
 * order, as `apply` calls them, without the set of ids `apply` fills as it goes (which only keeps
 * a socket in two of the rooms from being called twice; about 300 instructions per delivery).
 */
function eachInRoom(namespace: Namespace, sids: Set<string>, callback: (socket: unknown) => void): void {
  const sockets = namespace.sockets;
  for (const id of sids) {
    const socket = sockets.get(id);
    if (socket) callback(socket);
  }
}

/**
 * From this many receivers, a broadcast writes at once to each connection with nothing else
 * waiting: deferred, its last receiver would wait for the whole broadcast to be queued (about
 * 10 µs a socket), which doubled a 1,000-socket room's latency. Below it (rooms of tens: a list's
 * members), the wait is a fraction of a millisecond, and a connection's packets of one turn leave
 * in one write: a batch's broadcasts and a sender's ack. Written at once, a room's first broadcast
 * of a turn took one write and the rest of the turn's packets a second one, once it completed
 * (a 41-socket list room: 8.0–8.4 writes per processed command against 5.3–6.4).
 */
export const directBroadcastFrom = 64;

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
 * delivery. A broadcast to a big room (`directBroadcastFrom`) writes at once to the connections
 * with nothing waiting, as one frame built once (`framed-broadcasts.ts`); one that already has a
 * packet this turn gets the broadcast with it. A broadcast to a smaller room holds that frame for
 * the check phase on each connection with nothing waiting in Engine.IO (`holdFramed`), where it
 * is written before what Engine.IO collected meanwhile: the delivery skips Engine.IO's queue, its
 * events and its transport, and the turn's packets still leave in one write. A single packet
 * leaves without the extra cork, since the WebSocket corks its own frame.
 */
export function coalesceWrites(server: Server, directFrom = directBroadcastFrom): void {
  let waiting = new Set<EngineConnection>();
  /** Engine.IO's own flush, which every connection has from its prototype: read once, not per write. */
  let engineFlush: EngineConnection['flush'] | undefined;
  /** Set while a broadcast to at least `directFrom` sockets hands its packet to each connection. */
  let direct = false;
  const flushAll = () => {
    const connections = waiting;
    waiting = new Set();
    const flush = engineFlush as EngineConnection['flush'];
    for (const connection of connections) {
      if (writeHeld(connection, () => flush.call(connection))) continue;
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
    const flush = (engineFlush ??= connection.flush);
    connection.flush = () => {
      // Nothing to send, or the transport is busy (it flushes again once its write completes).
      if (connection.writeBuffer.length === 0 || !connection.transport?.writable) return;
      if (direct && !waiting.has(connection)) {
        flush.call(connection);
        return;
      }
      wait(connection);
    };
  });
  const wait = (connection: object) => {
    if (waiting.size === 0) setImmediate(flushAll);
    waiting.add(connection as EngineConnection);
  };
  const receivers = (namespace: Namespace, adapter: BroadcastAdapter, rooms: Set<string>) => {
    if (rooms.size === 0) return namespace.sockets.size;
    let count = 0;
    for (const room of rooms) count += adapter.rooms.get(room)?.size ?? 0;
    return count;
  };
  // The adapter's loop over the sockets, not its `broadcast`: a cluster adapter hands its local
  // sockets the packet after publishing it (and another node's broadcasts) through this loop too.
  // There, a broadcast's WebSocket frame goes to each connection it can, at once (`writeFramed`)
  // or held for the check phase (`holdFramed`).
  const directBroadcasts = (namespace: Namespace) => {
    const adapter = namespace.adapter as unknown as BroadcastAdapter;
    const apply = adapter.apply.bind(adapter);
    const broadcasts = encodedBroadcasts(adapter);
    adapter.apply = (opts, callback) => {
      // The broadcast encoded just before this loop, if this loop is a broadcast's.
      const encoded = broadcasts.take();
      if (direct) return apply(opts, callback);
      const big = receivers(namespace, adapter, opts.rooms) >= directFrom;
      if (!encoded && !big) return apply(opts, callback);
      direct = big;
      try {
        const each = !encoded ? callback : big ? writeFramed(encoded, callback) : holdFramed(encoded, callback, wait);
        const [room] = opts.rooms;
        const sids = opts.rooms.size === 1 && !opts.except?.size ? adapter.rooms.get(room!) : undefined;
        if (sids) eachInRoom(namespace, sids, each);
        else apply(opts, each);
      } finally {
        direct = false;
      }
    };
  };
  directBroadcasts(server.sockets);
  server.on('new_namespace', directBroadcasts);
}
