/**
 * Chat persistence: many senders, each in its own room, each keeping a window of unacknowledged
 * `message:send` commands in flight for a fixed time. Reports acked commands per second and ack
 * latency, and hands back every acked message id so the orchestrator can check the database.
 */
import { performance } from 'node:perf_hooks';
import type { Socket } from 'socket.io-client';
import { Histogram, type HistogramData } from '../histogram.js';
import { countBy, cpuMeter, pool, sleep, waitFor } from './common.js';
import { chatProtocol, type ChatProtocol, type ServerKind } from './protocol.js';
import type { Handler } from './serve.js';
import { command, connectSio } from './sio.js';

export interface PersistSetup {
  kind: ServerKind;
  url: string;
  senders: number;
}

export interface PersistRun {
  window: number;
  warmupMs: number;
  measureMs: number;
}

export interface PersistResult {
  sent: number;
  ackedOk: number;
  windowAcks: number;
  windowMs: number;
  ackErrors: Record<string, number>;
  ackLatency: HistogramData;
  broadcastsReceived: number;
  clientCpuPct: number;
  /** `[roomId, messageId]` of every acked message (Tandem). */
  acked: [string, string][];
}

let protocol: ChatProtocol;
let senders: { socket: Socket; roomId: string }[] = [];
let broadcastsReceived = 0;

async function setup(args: PersistSetup): Promise<unknown> {
  protocol = chatProtocol(args.kind, args.url);
  senders = new Array<(typeof senders)[number]>(args.senders);
  const started = performance.now();
  await pool(args.senders, 20, async (index) => {
    const auth = await protocol.signIn(`writer ${index}`);
    const socket = await connectSio(args.url, '/chat', auth, 30_000);
    let roomId = `persist-${index}`;
    if (args.kind === 'tandem') {
      const ack = await command(socket, protocol.createRoom.event, protocol.createRoom.payload(roomId));
      const error = protocol.ackError(ack);
      if (error) throw new Error(`room:create failed: ${error}`);
      roomId = protocol.createRoom.roomId(ack, roomId);
    }
    const joined = await command(socket, protocol.join.event, protocol.join.payload(roomId));
    const error = protocol.ackError(joined);
    if (error) throw new Error(`join failed: ${error}`);
    socket.on(protocol.broadcastEvent, () => broadcastsReceived++);
    senders[index] = { socket, roomId };
  });
  return { setupMs: Math.round(performance.now() - started) };
}

async function run(args: PersistRun): Promise<PersistResult> {
  const t0 = performance.now();
  const windowStart = t0 + args.warmupMs;
  const windowEnd = windowStart + args.measureMs;
  const ackLatency = new Histogram();
  const ackErrors: Record<string, number> = {};
  const acked: [string, string][] = [];
  let sent = 0;
  let ackedOk = 0;
  let windowAcks = 0;
  let outstanding = 0;
  const meter = cpuMeter(args.warmupMs, args.measureMs);
  broadcastsReceived = 0;
  const padding = 'p'.repeat(100);

  const sendOne = (sender: { socket: Socket; roomId: string }, index: number): void => {
    const sentAt = performance.now();
    if (sentAt >= windowEnd) return;
    sent++;
    outstanding++;
    const text = `writer ${index} message ${sent} ${padding}`;
    void sender.socket
      .timeout(30_000)
      .emitWithAck(protocol.send.event, protocol.send.payload(sender.roomId, text))
      .then(
        (ack: unknown) => ack,
        () => ({ ok: false, error: { code: 'TIMEOUT' } }),
      )
      .then((ack: unknown) => {
        outstanding--;
        const now = performance.now();
        const error = protocol.ackError(ack);
        if (error) countBy(ackErrors, error);
        else {
          ackedOk++;
          const id = protocol.messageId(ack);
          if (id) acked.push([sender.roomId, id]);
          if (now >= windowStart && now < windowEnd) {
            windowAcks++;
            ackLatency.record((now - sentAt) * 1000);
          }
        }
        sendOne(sender, index);
      });
  };
  senders.forEach((sender, index) => {
    for (let i = 0; i < args.window; i++) sendOne(sender, index);
  });
  await sleep(windowEnd - performance.now());
  const clientCpuPct = meter.percent();
  await waitFor(() => outstanding === 0, 30_000, 20);
  return {
    sent,
    ackedOk,
    windowAcks,
    windowMs: args.measureMs,
    ackErrors,
    ackLatency: ackLatency.toJSON(),
    broadcastsReceived,
    clientCpuPct,
    acked,
  };
}

export const handlers: Record<string, Handler> = { setup: setup, run: run };

export async function close(): Promise<void> {
  for (const sender of senders) sender?.socket.disconnect();
  await sleep(50);
}
