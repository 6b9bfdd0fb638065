import { io, type Socket } from 'socket.io-client';

/** A `socket.io-client` socket as the benchmark's rules want it: its own connection, websocket only. */
export function connectSio(
  url: string,
  namespace: string,
  auth: Record<string, string> | undefined,
  timeoutMs: number,
): Promise<Socket> {
  const socket = io(`${url}${namespace}`, {
    auth: auth ?? {},
    forceNew: true,
    transports: ['websocket'],
    reconnection: false,
    timeout: timeoutMs,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.disconnect();
      reject(new Error(`connect to ${namespace} timed out`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('connect_error', (error) => {
      clearTimeout(timer);
      socket.disconnect();
      reject(error);
    });
  });
}

/** `emitWithAck` with a time limit; a missing ack becomes `{ok: false, error: {code: 'TIMEOUT'}}`. */
export async function command(socket: Socket, event: string, payload: unknown, timeoutMs = 30_000): Promise<unknown> {
  try {
    return await socket.timeout(timeoutMs).emitWithAck(event, payload);
  } catch {
    return { ok: false, error: { code: 'TIMEOUT', message: `no ack within ${timeoutMs} ms` } };
  }
}
