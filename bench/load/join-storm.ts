/**
 * Join storm: N distinct users, one socket each, all sending `room:join` for one room at the same
 * moment (what every client does when a server restarts under a busy room). Counts, per socket,
 * the frames and bytes of `presence` and of `message:created` (join notices) heard during the
 * storm, the sockets that dropped, then the time one message takes to reach every member. The
 * restart variant reconnects every socket to a new server on the same database and rejoins with
 * `sinceSeq`, all at once. Light clients (see light-client.ts): this process must not be the limit.
 */
import { performance } from 'node:perf_hooks';
import { ChatBroadcast, ChatCommand, timeOrderedId, type Ack } from '@tandem/contract';
import { Histogram, type HistogramData } from '../histogram.js';
import { countBy, cpuTimeUs, pool, sleep, waitFor } from './common.js';
import { LightSocket } from './light-client.js';
import { signIn } from './protocol.js';
import type { Handler } from './serve.js';

export interface JoinStormSetup {
  url: string;
  users: number;
  signInConcurrency: number;
  connectConcurrency: number;
}

export interface StormResult {
  joined: number;
  errors: Record<string, number>;
  stormMs: number;
  joinAck: HistogramData;
  /** Per socket, from the first join sent until `quietMs` after the last ack. */
  presenceEvents: number;
  presenceBytes: number;
  noticeEvents: number;
  otherEvents: number;
  maxEventsOneSocket: number;
  disconnects: number;
  clientCpuPct: number;
}

export interface ReachResult {
  reached: number;
  reachMs: number | null;
}

const presencePrefix = Buffer.from(`42/chat,["${ChatBroadcast.Presence}"`);
const createdPrefix = Buffer.from(`42/chat,["${ChatBroadcast.MessageCreated}"`);

interface Client {
  auth: { token: string };
  socket?: LightSocket;
  seq: number;
  presence: number;
  presenceBytes: number;
  notices: number;
  other: number;
  /** The text of the message being timed, when it arrived. */
  reachedAt: number;
}

let clients: Client[] = [];
let roomId = '';
let probeText = '';
let disconnects = 0;

function listen(client: Client): (frame: Buffer) => void {
  return (frame) => {
    if (frame.compare(presencePrefix, 0, presencePrefix.length, 0, presencePrefix.length) === 0) {
      client.presence++;
      client.presenceBytes += frame.length;
    } else if (frame.compare(createdPrefix, 0, createdPrefix.length, 0, createdPrefix.length) === 0) {
      if (probeText && frame.includes(probeText)) client.reachedAt = performance.now();
      else client.notices++;
    } else client.other++;
  };
}

async function connectAll(url: string, concurrency: number): Promise<void> {
  await pool(clients.length, concurrency, async (index) => {
    const client = clients[index];
    const socket = await LightSocket.connect(url, '/chat', client.auth, 60_000);
    socket.onEvent = listen(client);
    socket.onClose = () => {
      if (!socket.closing) disconnects++;
    };
    client.socket = socket;
  });
}

async function setup(args: JoinStormSetup): Promise<unknown> {
  const started = performance.now();
  clients = new Array<Client>(args.users);
  await pool(args.users, args.signInConcurrency, async (index) => {
    const session = await signIn(args.url, `member ${String(index).padStart(5, '0')}`);
    clients[index] = {
      auth: { token: session.token },
      seq: 0,
      presence: 0,
      presenceBytes: 0,
      notices: 0,
      other: 0,
      reachedAt: 0,
    };
  });
  const signedInAt = performance.now();
  await connectAll(args.url, args.connectConcurrency);
  const connectedAt = performance.now();
  const ack = (await clients[0].socket?.emitWithAck(ChatCommand.RoomCreate, { name: 'join storm' }, 30_000)) as Ack<{
    room: { id: string };
  }>;
  if (!ack.ok) throw new Error(`room:create failed: ${ack.error.code}`);
  roomId = ack.data.room.id;
  return {
    roomId,
    signInMs: Math.round(signedInAt - started),
    connectMs: Math.round(connectedAt - signedInAt),
    connectsPerSec: Math.round((args.users / (connectedAt - signedInAt)) * 1000),
  };
}

/** Every socket sends its join at once (with `sinceSeq` when it has joined before). */
async function storm(args: { quietMs: number; limitMs: number }): Promise<StormResult> {
  for (const client of clients) {
    client.presence = client.presenceBytes = client.notices = client.other = 0;
  }
  disconnects = 0;
  const errors: Record<string, number> = {};
  const joinAck = new Histogram();
  let joined = 0;
  let answered = 0;
  let lastAckAt = 0;
  const cpuBefore = cpuTimeUs();
  const started = performance.now();
  for (const client of clients) {
    const payload = client.seq > 0 ? { roomId, sinceSeq: client.seq } : { roomId };
    const sentAt = performance.now();
    client.socket?.emit(ChatCommand.RoomJoin, payload, (response) => {
      answered++;
      lastAckAt = performance.now();
      const ack = response as Ack<{ seq: number }>;
      if (!ack.ok) {
        countBy(errors, ack.error.code);
        return;
      }
      joined++;
      client.seq = ack.data.seq;
      joinAck.record((lastAckAt - sentAt) * 1000);
    });
  }
  const complete = await waitFor(() => answered >= clients.length, args.limitMs, 5);
  if (!complete) countBy(errors, 'no ack in time');
  // The last coalesced deltas of the storm go out after the last join.
  await sleep(args.quietMs);
  const elapsedMs = performance.now() - started;
  const perSocket = (value: (client: Client) => number) =>
    clients.reduce((sum, client) => sum + value(client), 0) / clients.length;
  return {
    joined,
    errors,
    stormMs: Math.round((complete ? lastAckAt : performance.now()) - started),
    joinAck: joinAck.toJSON(),
    presenceEvents: perSocket((client) => client.presence),
    presenceBytes: perSocket((client) => client.presenceBytes),
    noticeEvents: perSocket((client) => client.notices),
    otherEvents: perSocket((client) => client.other),
    maxEventsOneSocket: Math.max(...clients.map((client) => client.presence + client.notices + client.other)),
    disconnects,
    clientCpuPct: Math.round(((cpuTimeUs() - cpuBefore) / (elapsedMs * 1000)) * 1000) / 10,
  };
}

/** One member sends a message; how long until every socket has it. */
async function reach(args: { limitMs: number }): Promise<ReachResult> {
  probeText = `reach ${timeOrderedId()}`;
  for (const client of clients) client.reachedAt = 0;
  const sentAt = performance.now();
  const ack = (await clients[0].socket?.emitWithAck(
    ChatCommand.MessageSend,
    { opId: timeOrderedId(), roomId, text: probeText },
    args.limitMs,
  )) as Ack<unknown>;
  if (!ack.ok) throw new Error(`message:send failed: ${ack.error.code}`);
  await waitFor(() => clients.every((client) => client.reachedAt > 0), args.limitMs, 5);
  const reached = clients.filter((client) => client.reachedAt > 0);
  probeText = '';
  return {
    reached: reached.length,
    reachMs:
      reached.length === clients.length
        ? Math.round(Math.max(...reached.map((client) => client.reachedAt)) - sentAt)
        : null,
  };
}

/** The server was restarted at `url`: every socket connects again (they rejoin with `storm`). */
async function reconnect(args: { url: string; concurrency: number }): Promise<unknown> {
  for (const client of clients) client.socket?.close();
  const started = performance.now();
  await connectAll(args.url, args.concurrency);
  return { reconnectMs: Math.round(performance.now() - started) };
}

export const handlers: Record<string, Handler> = {
  setup,
  storm,
  reach,
  reconnect,
};

export async function close(): Promise<void> {
  for (const client of clients) client.socket?.close();
  await sleep(50);
}
