/**
 * Idle connections: opens authenticated `/chat` sockets (socket.io-client, websocket) up to a
 * target count, so that the orchestrator can read the server's memory after a forced GC at each
 * plateau. Tandem's sockets share a pool of users (each connection is still authenticated).
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { countBy, cpuTimeUs, pool, sleep } from './common.js';
import { chatProtocol, type ServerKind } from './protocol.js';
import type { Handler } from './serve.js';
import { connectSio } from './sio.js';

export interface IdleSetup {
  kind: ServerKind;
  url: string;
  users: number;
}

let url = '';
let auths: (Record<string, string> | undefined)[] = [];
const sockets: Socket[] = [];

async function setup(args: IdleSetup): Promise<unknown> {
  url = args.url;
  const protocol = chatProtocol(args.kind, args.url);
  auths = new Array<(typeof auths)[number]>(args.users);
  await pool(args.users, 10, async (index) => {
    auths[index] = await protocol.signIn(`idle ${index}`);
  });
  return { users: args.users };
}

async function grow(args: { target: number; concurrency: number; limitMs: number }): Promise<unknown> {
  const from = sockets.length;
  const wanted = Math.max(0, args.target - from);
  const errors: Record<string, number> = {};
  const started = performance.now();
  const cpuBefore = cpuTimeUs();
  const deadline = started + args.limitMs;
  await pool(wanted, args.concurrency, async (index) => {
    if (performance.now() > deadline) {
      countBy(errors, 'time limit');
      return;
    }
    try {
      sockets.push(await connectSio(url, '/chat', auths[(from + index) % auths.length], 30_000));
    } catch (error) {
      countBy(errors, error instanceof Error ? error.message : String(error));
    }
  });
  const elapsedMs = performance.now() - started;
  const connected = sockets.length - from;
  return {
    connected: sockets.length,
    opened: connected,
    errors,
    elapsedMs: Math.round(elapsedMs),
    perSecond: elapsedMs > 0 ? Math.round((connected / elapsedMs) * 1000) : 0,
    clientCpuPct: elapsedMs > 0 ? Math.round(((cpuTimeUs() - cpuBefore) / (elapsedMs * 1000)) * 1000) / 10 : 0,
    stillConnected: sockets.filter((socket) => socket.connected).length,
  };
}

export const handlers: Record<string, Handler> = { setup: setup, grow: grow };

export async function close(): Promise<void> {
  for (const socket of sockets) socket.disconnect();
  await sleep(100);
}
