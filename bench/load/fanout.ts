/**
 * Chat fan-out: N clients in one room, a few of them senders at a fixed total offered rate. Each
 * message carries `~step.sender.n.sendTimeUs~` in its text; receivers in this process measure the
 * end-to-end latency on this process's clock, count deliveries and check order per sender.
 * Clients speak the wire format directly (light receivers): see light-client.ts.
 */
import { performance } from 'node:perf_hooks';
import { Histogram, type HistogramData } from '../histogram.js';
import { countBy, cpuMeter, pool, sleep, waitFor } from './common.js';
import { LightSocket } from './light-client.js';
import { PlainLightSocket } from './plain-light-client.js';
import { chatProtocol, type ChatProtocol, type ServerKind } from './protocol.js';
import type { Handler } from './serve.js';

const TILDE = 0x7e;
const textLength = 100;
const padding = 'x'.repeat(textLength);
/** Beyond this many unanswered sends a sender skips its turn rather than queue without bound. */
const maxOutstandingPerSender = 2_000;

/** How the simulated clients reach Tandem: Socket.IO, or its plain WebSocket endpoint (`/ws`). */
export type FanoutTransport = 'socket.io' | 'plain';

/** One simulated client, whichever the transport. */
type FanoutSocket = LightSocket | PlainLightSocket;

export interface FanoutSetup {
  kind: ServerKind;
  transport: FanoutTransport;
  url: string;
  clients: number;
  senders: number;
  connectConcurrency: number;
}

export interface FanoutStep {
  rate: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
}

export interface FanoutStepResult {
  rate: number;
  sent: number;
  skipped: number;
  ackedOk: number;
  ackErrors: Record<string, number>;
  expected: number;
  received: number;
  lost: number;
  outOfOrder: number;
  windowDeliveries: number;
  windowMs: number;
  drained: boolean;
  drainMs: number;
  latency: HistogramData;
  ackLatency: HistogramData;
  clientCpuPct: number;
}

let protocol: ChatProtocol;
let sockets: FanoutSocket[] = [];
let senders: FanoutSocket[] = [];
let roomId = '';
let lastFrameAt = 0;

// Per-step state, read by the receivers' frame handler.
let step = 0;
let received = 0;
let outOfOrder = 0;
let windowStartUs = 0;
let windowEndUs = 0;
let windowDeliveries = 0;
let latency = new Histogram();
let lastSeen = new Float64Array(0);
/** Per sender, the next message number: it keeps growing across steps, so order checks hold. */
let sequence: number[] = [];

function readNumber(frame: Buffer, from: number, end: number): [number, number] {
  let value = 0;
  let index = from;
  while (index < end && frame[index] >= 0x30 && frame[index] <= 0x39) {
    value = value * 10 + frame[index] - 0x30;
    index++;
  }
  return [value, index + 1];
}

function receiver(clientIndex: number, prefix: Buffer, senderCount: number): (frame: Buffer) => void {
  const prefixLength = prefix.length;
  return (frame) => {
    const nowUs = performance.now() * 1000;
    lastFrameAt = nowUs;
    if (frame.length < prefixLength || frame.compare(prefix, 0, prefixLength, 0, prefixLength) !== 0) return;
    const at = frame.indexOf(TILDE, prefixLength);
    if (at < 0) return;
    const end = frame.length;
    let index = at + 1;
    let frameStep: number;
    let sender: number;
    let n: number;
    let sentUs: number;
    [frameStep, index] = readNumber(frame, index, end);
    [sender, index] = readNumber(frame, index, end);
    [n, index] = readNumber(frame, index, end);
    [sentUs, index] = readNumber(frame, index, end);
    if (frame[index - 1] !== TILDE || frameStep !== step) return;
    received++;
    if (nowUs >= windowStartUs && nowUs < windowEndUs) windowDeliveries++;
    if (sentUs >= windowStartUs && sentUs < windowEndUs) latency.record(nowUs - sentUs);
    const slot = clientIndex * senderCount + sender;
    if (n <= lastSeen[slot]) outOfOrder++;
    lastSeen[slot] = n;
  };
}

async function setup(args: FanoutSetup): Promise<unknown> {
  protocol = chatProtocol(args.kind, args.url);
  const started = performance.now();
  const senderAuth = await Promise.all(Array.from({ length: args.senders }, (_, i) => protocol.signIn(`sender ${i}`)));
  // Receivers share one user: a room's presence lists users, and 1,000 distinct ones would turn
  // the join phase into a quadratic presence storm that has nothing to do with the fan-out.
  const viewerAuth = await protocol.signIn('viewer');
  const prefix = Buffer.from(
    args.transport === 'plain' ? `{"ns":"/chat","event":"${protocol.broadcastEvent}"` : protocol.broadcastFramePrefix,
  );
  lastSeen = new Float64Array(args.clients * args.senders).fill(-1);
  sequence = new Array<number>(args.senders).fill(0);
  sockets = new Array<FanoutSocket>(args.clients);
  await pool(args.clients, args.connectConcurrency, async (index) => {
    const auth = index < args.senders ? senderAuth[index] : viewerAuth;
    sockets[index] =
      args.transport === 'plain'
        ? await PlainLightSocket.connect(args.url, '/chat', auth ?? {}, 30_000)
        : await LightSocket.connect(args.url, '/chat', auth, 30_000);
  });
  const connectedAt = performance.now();
  senders = sockets.slice(0, args.senders);
  if (args.kind === 'tandem') {
    const ack = await senders[0].emitWithAck(protocol.createRoom.event, protocol.createRoom.payload('fan-out'), 30_000);
    const error = protocol.ackError(ack);
    if (error) throw new Error(`room:create failed: ${error}`);
    roomId = protocol.createRoom.roomId(ack, 'fan-out');
  } else {
    roomId = 'fan-out';
  }
  await pool(args.clients, Math.min(args.connectConcurrency, 50), async (index) => {
    const socket = sockets[index];
    socket.onEvent = receiver(index, prefix, args.senders);
    const ack = await socket.emitWithAck(protocol.join.event, protocol.join.payload(roomId), 60_000);
    const error = protocol.ackError(ack);
    if (error) throw new Error(`join failed: ${error}`);
  });
  const joinedAt = performance.now();
  // Let the joins' presence broadcasts finish before any measurement.
  lastFrameAt = performance.now() * 1000;
  await waitFor(() => performance.now() * 1000 - lastFrameAt > 500_000, 120_000, 50);
  const settledAt = performance.now();
  return {
    roomId,
    connectMs: Math.round(connectedAt - started),
    joinMs: Math.round(joinedAt - connectedAt),
    settleMs: Math.round(settledAt - joinedAt),
  };
}

async function runStep(args: FanoutStep): Promise<FanoutStepResult> {
  step++;
  received = 0;
  outOfOrder = 0;
  windowDeliveries = 0;
  latency = new Histogram();
  const ackLatency = new Histogram();
  const ackErrors: Record<string, number> = {};
  const clients = sockets.length;
  const t0 = performance.now();
  windowStartUs = (t0 + args.warmupMs) * 1000;
  windowEndUs = windowStartUs + args.measureMs * 1000;
  const sendEnd = t0 + args.warmupMs + args.measureMs;
  let sent = 0;
  let skipped = 0;
  let ackedOk = 0;
  let answered = 0;
  const meter = cpuMeter(args.warmupMs, args.measureMs);

  await new Promise<void>((resolve) => {
    const tick = setInterval(() => {
      const now = performance.now();
      if (now >= sendEnd) {
        clearInterval(tick);
        resolve();
        return;
      }
      const due = Math.floor(((now - t0) / 1000) * args.rate);
      let budget = 10_000;
      while (sent + skipped < due && budget-- > 0) {
        const senderIndex = (sent + skipped) % senders.length;
        const socket = senders[senderIndex];
        if (socket.outstandingAcks >= maxOutstandingPerSender) {
          skipped++;
          continue;
        }
        sent++;
        send(senderIndex, (sentUs, error) => {
          answered++;
          if (error) {
            countBy(ackErrors, error);
            return;
          }
          ackedOk++;
          if (sentUs >= windowStartUs && sentUs < windowEndUs) ackLatency.record(performance.now() * 1000 - sentUs);
        });
      }
    }, 5);
  });
  const clientCpuPct = meter.percent();
  const drainStarted = performance.now();
  const drained = await waitFor(() => answered >= sent && received >= ackedOk * clients, args.drainMs, 20);
  const drainMs = Math.round(performance.now() - drainStarted);
  const expected = ackedOk * clients;
  return {
    rate: args.rate,
    sent,
    skipped,
    ackedOk,
    ackErrors,
    expected,
    received,
    lost: Math.max(0, expected - received),
    outOfOrder,
    windowDeliveries,
    windowMs: args.measureMs,
    drained,
    drainMs,
    latency: latency.toJSON(),
    ackLatency: ackLatency.toJSON(),
    clientCpuPct,
  };
}

/** Sends the next message of a sender: its text carries the marker the receivers read. */
function send(senderIndex: number, answered: (sentUs: number, error: string | undefined) => void): void {
  const n = sequence[senderIndex]++;
  const sentUs = Math.round(performance.now() * 1000);
  const head = `~${step}.${senderIndex}.${n}.${sentUs}~`;
  const text = head + padding.slice(head.length);
  senders[senderIndex].emit(protocol.send.event, protocol.send.payload(roomId, text), (ack) =>
    answered(sentUs, protocol.ackError(ack)),
  );
}

/**
 * Closed loop: `messages` sends, the senders taking turns, each only after every client received
 * the one before and its ack came back, so the pace is the server's whatever its speed (as under
 * an instruction counter).
 */
async function closedLoop(args: { messages: number; limitMs: number }): Promise<{ deliveries: number; ms: number }> {
  step++;
  received = 0;
  const clients = sockets.length;
  const started = performance.now();
  for (let index = 0; index < args.messages; index++) {
    let ack: string | undefined | null = null;
    send(index % senders.length, (_sentUs, error) => (ack = error ?? ''));
    const done = await waitFor(() => ack !== null && received >= (index + 1) * clients, args.limitMs, 2);
    if (!done) throw new Error(`message ${index}: ${received - index * clients} of ${clients} delivered in time`);
    if (ack) throw new Error(`message ${index}: ${String(ack)}`);
  }
  return { deliveries: received, ms: Math.round(performance.now() - started) };
}

async function settle(args: { quietMs: number; limitMs: number }): Promise<{ waitedMs: number }> {
  const started = performance.now();
  await waitFor(() => performance.now() * 1000 - lastFrameAt > args.quietMs * 1000, args.limitMs, 50);
  return { waitedMs: Math.round(performance.now() - started) };
}

export const handlers: Record<string, Handler> = {
  setup: setup,
  step: runStep,
  settle: settle,
  closedLoop: closedLoop,
};

export async function close(): Promise<void> {
  for (const socket of sockets) socket?.close();
  await sleep(50);
}
