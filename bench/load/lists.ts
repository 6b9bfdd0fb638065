/**
 * Lists under contention: several users update a handful of shared items, each naming the
 * version it last saw (from its acks, the `CONFLICT` details and the `item:updated` broadcasts).
 * Reports accepted updates per second and the share answered `CONFLICT`; afterwards the items'
 * versions must add up exactly to the accepted updates.
 */
import { performance } from 'node:perf_hooks';
import {
  ErrorCode,
  ListsBroadcast,
  ListsCommand,
  Namespace,
  timeOrderedId,
  type Ack,
  type Item,
  type ItemChanged,
  type ItemConflictDetails,
  type ListsCommandResults,
  type ListSnapshot,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { Histogram, type HistogramData } from '../histogram.js';
import { countBy, cpuMeter, pool, sleep, waitFor } from './common.js';
import { signIn } from './protocol.js';
import type { Handler } from './serve.js';
import { command, connectSio } from './sio.js';

export interface ListsSetup {
  url: string;
  updaters: number;
  items: number;
}

interface Updater {
  socket: Socket;
  versions: Map<string, number>;
}

let owner: Socket | undefined;
let updaters: Updater[] = [];
let listId = '';
let itemIds: string[] = [];

async function setup(args: ListsSetup): Promise<unknown> {
  const session = await signIn(args.url, 'list owner');
  try {
    owner = await connectSio(args.url, Namespace.Lists, { token: session.token }, 10_000);
  } catch (error) {
    return {
      available: false,
      reason: `${Namespace.Lists}: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  const created = (await command(owner, ListsCommand.ListCreate, { title: 'bench list' }, 10_000)) as Ack<
    ListsCommandResults['list:create']
  >;
  if (!created.ok) return { available: false, reason: `list:create: ${created.error.code} ${created.error.message}` };
  listId = created.data.list.id;
  itemIds = [];
  for (let i = 0; i < args.items; i++) {
    const item = (await command(
      owner,
      ListsCommand.ItemCreate,
      { opId: timeOrderedId(), listId, text: `item ${i}` },
      10_000,
    )) as Ack<ListsCommandResults['item:create']>;
    if (!item.ok) return { available: false, reason: `item:create: ${item.error.code} ${item.error.message}` };
    itemIds.push(item.data.item.id);
  }
  updaters = new Array<Updater>(args.updaters);
  await pool(args.updaters, 10, async (index) => {
    const user = await signIn(args.url, `editor ${index}`);
    const socket = await connectSio(args.url, Namespace.Lists, { token: user.token }, 10_000);
    const versions = new Map<string, number>();
    socket.on(ListsBroadcast.ItemUpdated, (change: ItemChanged) => {
      if ((versions.get(change.item.id) ?? 0) < change.item.version) versions.set(change.item.id, change.item.version);
    });
    const joined = (await command(socket, ListsCommand.ListJoin, { listId }, 10_000)) as Ack<ListSnapshot>;
    if (!joined.ok) throw new Error(`list:join: ${joined.error.code}`);
    for (const item of joined.data.items) versions.set(item.id, item.version);
    updaters[index] = { socket, versions };
  });
  return { available: true, listId };
}

export interface ListsResult {
  attempts: number;
  accepted: number;
  conflicts: number;
  windowAccepted: number;
  windowConflicts: number;
  windowMs: number;
  otherErrors: Record<string, number>;
  ackLatency: HistogramData;
  /** Σ (version − 1) over the items of a fresh snapshot: must equal `accepted`. */
  snapshotVersionSum: number | null;
  listId: string;
  clientCpuPct: number;
}

async function run(args: { warmupMs: number; measureMs: number }): Promise<ListsResult> {
  const t0 = performance.now();
  const windowStart = t0 + args.warmupMs;
  const windowEnd = windowStart + args.measureMs;
  const ackLatency = new Histogram();
  const otherErrors: Record<string, number> = {};
  let attempts = 0;
  let accepted = 0;
  let conflicts = 0;
  let windowAccepted = 0;
  let windowConflicts = 0;
  let outstanding = 0;
  const meter = cpuMeter(args.warmupMs, args.measureMs);

  const updateOne = (updater: Updater, index: number): void => {
    const sentAt = performance.now();
    if (sentAt >= windowEnd) return;
    const itemId = itemIds[Math.floor(Math.random() * itemIds.length)];
    const version = updater.versions.get(itemId) ?? 1;
    attempts++;
    outstanding++;
    const payload = { opId: timeOrderedId(), itemId, version, patch: { text: `edit ${index}.${attempts}` } };
    void command(updater.socket, ListsCommand.ItemUpdate, payload).then((response) => {
      outstanding--;
      const now = performance.now();
      const inWindow = now >= windowStart && now < windowEnd;
      const ack = response as Ack<{ item: Item }>;
      if (ack.ok) {
        accepted++;
        if (inWindow) windowAccepted++;
        if ((updater.versions.get(itemId) ?? 0) < ack.data.item.version)
          updater.versions.set(itemId, ack.data.item.version);
      } else if (ack.error.code === ErrorCode.Conflict) {
        conflicts++;
        if (inWindow) windowConflicts++;
        const current = (ack.error.details as ItemConflictDetails | undefined)?.current;
        // A write of the same batch can be newer than the conflict's item: keep the higher version.
        if (current && (updater.versions.get(itemId) ?? 0) < current.version)
          updater.versions.set(itemId, current.version);
      } else countBy(otherErrors, ack.error.code);
      if (inWindow) ackLatency.record((now - sentAt) * 1000);
      updateOne(updater, index);
    });
  };
  updaters.forEach((updater, index) => updateOne(updater, index));
  await sleep(windowEnd - performance.now());
  const clientCpuPct = meter.percent();
  await waitFor(() => outstanding === 0, 30_000, 20);
  const snapshot = (await command(owner!, ListsCommand.ListJoin, { listId }, 10_000)) as Ack<ListSnapshot>;
  return {
    attempts,
    accepted,
    conflicts,
    windowAccepted,
    windowConflicts,
    windowMs: args.measureMs,
    otherErrors,
    ackLatency: ackLatency.toJSON(),
    snapshotVersionSum: snapshot.ok ? snapshot.data.items.reduce((sum, item) => sum + item.version - 1, 0) : null,
    listId,
    clientCpuPct,
  };
}

export const handlers: Record<string, Handler> = { setup: setup, run: run };

export async function close(): Promise<void> {
  owner?.disconnect();
  for (const updater of updaters) updater?.socket.disconnect();
  await sleep(50);
}
