import type { Socket as NetSocket } from 'node:net';

/**
 * A broadcast framed once and written straight to each receiver's TCP socket: at once to a big
 * room's, in the loop's check phase to a smaller room's (see `coalesceWrites`).
 *
 * Socket.IO's adapter already encodes a broadcast once and frames it once for WebSocket (its
 * `_encode` puts the Engine.IO message "4" + the Socket.IO packet in `wsPreEncodedFrame`, a header
 * and a payload), but then hands it to each connection as a packet: Engine.IO queues it, flushes
 * it, its transport writes the two buffers through `ws` (cork, two writes, uncork) and waits for
 * the write's callback to mark itself writable again, with four events and a dozen disabled
 * `debug` calls on the way. Here the frame is one buffer per broadcast, and a receiver that has
 * nothing in flight above its TCP socket gets it with one `write`; any other receiver gets the
 * packet the usual way. What is safe to bypass, as read in engine.io 6.6, ws 8 and socket.io 4.8:
 *
 * - the transport is Engine.IO's `websocket` (not polling; during an upgrade the connection's
 *   transport is still polling until Engine.IO has flushed its buffer to the WebSocket);
 * - the WebSocket has no extension (per-message deflate: `ws` would compress the other packets);
 * - nothing listens to the connection's `packetCreate` (the Admin UI counts packets there);
 * - and at each write: the connection is open, its `writeBuffer` is empty (no packet waits in
 *   Engine.IO, including those held for the check phase by `coalesceWrites`), its transport is
 *   `writable` (no send of its own under way), the WebSocket is OPEN with its sender's queue idle
 *   (`_state` 0: a compressing or blob-reading sender queues later frames), and the TCP socket's
 *   own buffer is empty (the kernel takes it now: a slow reader falls back to Engine.IO, which
 *   then collects its packets while its write is pending, as it does without this).
 *
 * Every earlier packet of such a connection has therefore already been handed to its TCP socket,
 * and the TCP socket writes in the order it is given: the frame cannot overtake one. A frame
 * held for the check phase passes the same test when it is held; what Engine.IO collects for the
 * connection afterwards waits for the check phase as well (the connection is among those
 * `coalesceWrites` flushes there), where the held frames are written first, and a big room's
 * broadcast meanwhile takes Engine.IO's path, behind them. A field that a later version renames
 * reads as undefined and every receiver takes the usual path.
 */

/** The part of `ws`'s WebSocket read here. */
interface WebSocketState {
  readyState: number;
  _sender?: { _state?: number };
  _socket?: NetSocket;
  _extensions?: Record<string, unknown>;
}

interface Transport {
  name: string;
  writable: boolean;
  socket?: WebSocketState;
  [route]?: Route | null;
}

/** What the broadcast's loop reads of a receiver: its socket, and that socket's Engine.IO connection. */
interface Receiver {
  client: {
    conn: {
      readyState: string;
      writeBuffer?: unknown[];
      transport: Transport;
      listenerCount?: (event: string) => number;
    };
  };
  notifyOutgoingListeners?: (packet: unknown) => void;
}

interface Route {
  ws: WebSocketState;
  sender: { _state?: number };
  tcp: NetSocket;
  /** Frames held for the loop's check phase (`holdFramed`), written before anything else of the connection. */
  held: Buffer[];
}

/** A broadcast as the adapter encoded it: its packet (for `onAnyOutgoing`) and its frame. */
export interface EncodedBroadcast {
  packet: { id?: number };
  frame: Buffer[];
}

const route = Symbol('direct route');
const wsOpen = 1;
/** `ws`'s Sender, neither compressing nor reading a blob: it writes each frame as it is sent. */
const senderIdle = 0;

/** Whether a transport's frames may be written to its TCP socket directly (see above). */
function routeOf(conn: Receiver['client']['conn'], transport: Transport): Route | null {
  const ws = transport.name === 'websocket' ? transport.socket : undefined;
  const sender = ws?._sender;
  const tcp = ws?._socket;
  if (!ws || !sender || !tcp || !Array.isArray(conn.writeBuffer) || typeof sender._state !== 'number') return null;
  if (ws._extensions === undefined || Object.keys(ws._extensions).length > 0) return null;
  if (conn.listenerCount?.('packetCreate') !== 0) return null;
  return { ws, sender, tcp, held: [] };
}

/** The receiver's route if a frame may be written to its TCP socket now, after what it holds (see above). */
function openRoute(receiver: Receiver): Route | null {
  const conn = receiver.client.conn;
  const transport = conn.transport;
  let direct = transport[route];
  // Decided on a transport's first framed broadcast: every `connection` listener has run by then.
  if (direct === undefined) direct = transport[route] = routeOf(conn, transport);
  if (
    direct === null ||
    conn.writeBuffer!.length !== 0 ||
    !transport.writable ||
    conn.readyState !== 'open' ||
    direct.ws.readyState !== wsOpen ||
    direct.sender._state !== senderIdle ||
    direct.tcp.writableLength !== 0
  )
    return null;
  return direct;
}

const frameOf = ({ frame }: EncodedBroadcast) => (frame.length === 1 ? frame[0]! : Buffer.concat(frame));

/**
 * The adapter's per-socket callback for one broadcast, writing `encoded`'s frame directly where it
 * is safe and calling `fallback` (the adapter's own: Engine.IO's path) everywhere else.
 */
export function writeFramed(encoded: EncodedBroadcast, fallback: (socket: unknown) => void): (socket: unknown) => void {
  const { packet } = encoded;
  const frame = frameOf(encoded);
  return (socket) => {
    const receiver = socket as Receiver;
    const direct = openRoute(receiver);
    // A connection holding frames gets this one after them, through Engine.IO, which waits for them.
    if (direct === null || direct.held.length !== 0) {
      fallback(socket);
      return;
    }
    // As the adapter's loop does before handing the packet over.
    receiver.notifyOutgoingListeners?.(packet);
    direct.tcp.write(frame);
  };
}

/**
 * The same for a broadcast to a small room, whose receivers get a turn's packets in one write
 * (`coalesceWrites`): the frame is held on the receiver's route where it could be written now,
 * `wait(connection)` told, and `writeHeld` writes it in the loop's check phase, before the
 * packets Engine.IO collected meanwhile (a packet already waiting there sends this broadcast
 * through Engine.IO, after it). A broadcast to tens of members skips Engine.IO's queue, its
 * events and its transport's writes for each of them.
 */
export function holdFramed(
  encoded: EncodedBroadcast,
  fallback: (socket: unknown) => void,
  wait: (connection: object) => void,
): (socket: unknown) => void {
  const { packet } = encoded;
  const frame = frameOf(encoded);
  return (socket) => {
    const receiver = socket as Receiver;
    const direct = openRoute(receiver);
    if (direct === null) {
      fallback(socket);
      return;
    }
    receiver.notifyOutgoingListeners?.(packet);
    if (direct.held.push(frame) === 1) wait(receiver.client.conn);
  };
}

/**
 * Writes the frames `connection` holds, then what `flush` (Engine.IO's) sends, in one write of its
 * TCP socket; whether it held any. A connection that closed meanwhile drops them, as Engine.IO
 * drops its buffer.
 */
export function writeHeld(connection: object, flush: () => void): boolean {
  const conn = connection as Receiver['client']['conn'];
  const direct = conn.transport[route];
  if (!direct || direct.held.length === 0) return false;
  const frames = direct.held;
  direct.held = [];
  if (conn.readyState !== 'open' || direct.ws.readyState !== wsOpen) return true;
  direct.tcp.cork();
  try {
    for (const frame of frames) direct.tcp.write(frame);
    flush();
  } finally {
    direct.tcp.uncork();
  }
  return true;
}

/**
 * Wraps the adapter's `_encode`, which its `broadcast` (and a cluster adapter's delivery of another
 * node's broadcasts) calls right before its loop over the sockets: `take()` then gives that loop's
 * broadcast, if it has a WebSocket frame and expects no acks (`broadcastWithAck` sets an id and
 * registers one per socket in its loop).
 */
export function encodedBroadcasts(adapter: object): { take: () => EncodedBroadcast | undefined } {
  const target = adapter as { _encode?: (packet: { id?: number }, opts: { wsPreEncodedFrame?: Buffer[] }) => unknown };
  const encode = target._encode;
  let last: EncodedBroadcast | undefined;
  if (typeof encode === 'function') {
    target._encode = function (packet, opts) {
      const encoded = encode.call(this, packet, opts);
      const frame = opts.wsPreEncodedFrame;
      last = frame && packet.id === undefined ? { packet, frame } : undefined;
      return encoded;
    };
  }
  return {
    take: () => {
      const taken = last;
      last = undefined;
      return taken;
    },
  };
}
