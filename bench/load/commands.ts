/**
 * Every mutating command, one phase at a time: users each keep one command of the phase in flight
 * (closed loop), on what they own (items, messages, a room, a board, players) or on a list and a
 * room they all share. Afterwards `expected` says what the database must hold.
 */
import { performance } from 'node:perf_hooks';
import {
  ChatCommand,
  ListsCommand,
  Namespace,
  ScoreboardCommand,
  timeOrderedId,
  type Ack,
  type ChatCommandResults,
  type ListsCommandResults,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { countBy, cpuMeter, pool, sleep, waitFor } from './common.js';
import { drivers, type Shared, type User } from './command-drivers.js';
import type { CommandEffects } from '../verify.js';
import { signIn } from './protocol.js';
import type { Handler } from './serve.js';
import { command, connectSio } from './sio.js';

export interface CommandsSetup {
  url: string;
  users: number;
}

let owner: Socket[] = [];
let users: User[] = [];
let shared: Shared | undefined;

async function ok<R>(socket: Socket, event: string, payload: unknown): Promise<R> {
  const ack = (await command(socket, event, payload, 10_000)) as Ack<R>;
  if (!ack.ok) throw new Error(`${event}: ${ack.error.code} ${ack.error.message}`);
  return ack.data;
}

async function connectAll(url: string, token: string): Promise<[Socket, Socket, Socket]> {
  const connect = (namespace: string) => connectSio(url, namespace, { token }, 10_000);
  return Promise.all([connect(Namespace.Lists), connect(Namespace.Chat), connect(Namespace.Scoreboard)]);
}

async function setup(args: CommandsSetup): Promise<unknown> {
  const session = await signIn(args.url, 'owner');
  try {
    owner = await connectAll(args.url, session.token);
  } catch (error) {
    return { available: false, reason: error instanceof Error ? error.message : String(error) };
  }
  const [lists, chat] = owner;
  const list = await ok<ListsCommandResults['list:create']>(lists, ListsCommand.ListCreate, { title: 'shared' });
  const readList = await ok<ListsCommandResults['list:create']>(lists, ListsCommand.ListCreate, { title: 'read' });
  for (let i = 0; i < 20; i++) {
    const payload = { opId: timeOrderedId(), listId: readList.list.id, text: `item ${i}` };
    await ok(lists, ListsCommand.ItemCreate, payload);
  }
  const room = await ok<ChatCommandResults['room:create']>(chat, ChatCommand.RoomCreate, { name: 'shared' });
  shared = { url: args.url, listId: list.list.id, readListId: readList.list.id, roomId: room.room.id };
  const { listId, roomId } = shared;
  users = new Array<User>(args.users);
  await pool(args.users, 10, async (index) => {
    const { token } = await signIn(args.url, `user ${index}`);
    const [userLists, userChat, scoreboard] = await connectAll(args.url, token);
    await ok(userLists, ListsCommand.ListJoin, { listId });
    await ok(userChat, ChatCommand.RoomJoin, { roomId });
    const ownRoom = await ok<ChatCommandResults['room:create']>(userChat, ChatCommand.RoomCreate, {
      name: `own ${index}`,
    });
    const board = await ok<ScoreboardCommandResults['board:create']>(scoreboard, ScoreboardCommand.BoardCreate, {
      name: `board ${index}`,
    });
    users[index] = {
      token,
      lists: userLists,
      chat: userChat,
      scoreboard,
      ownRoomId: ownRoom.room.id,
      boardId: board.board.id,
      items: [],
      messages: [],
      players: [],
      readSeq: 0,
      resets: 0,
      scoreSum: 0,
      cursor: index,
    };
  });
  return { available: true, phases: drivers.map(([name]) => name) };
}

export interface PhaseResult {
  phase: string;
  windowAcked: number;
  acked: number;
  windowMs: number;
  errors: Record<string, number>;
  /** Users that had nothing left to send before the window ended. */
  exhausted: number;
  clientCpuPct: number;
}

async function run(args: { phase: string; warmupMs: number; measureMs: number }): Promise<PhaseResult> {
  const driver = drivers.find(([name]) => name === args.phase)?.[1];
  if (!driver || !shared) throw new Error(`unknown phase ${args.phase} or no setup`);
  const context = shared;
  const windowStart = performance.now() + args.warmupMs;
  const windowEnd = windowStart + args.measureMs;
  const errors: Record<string, number> = {};
  let acked = 0;
  let windowAcked = 0;
  let outstanding = 0;
  let exhausted = 0;
  const meter = cpuMeter(args.warmupMs, args.measureMs);
  const next = (user: User): void => {
    if (performance.now() >= windowEnd) return;
    const sent = driver(user, context);
    if (!sent) {
      exhausted++;
      return;
    }
    outstanding++;
    void sent.then((error) => {
      outstanding--;
      const now = performance.now();
      if (error) countBy(errors, error);
      else {
        acked++;
        if (now >= windowStart && now < windowEnd) windowAcked++;
      }
      next(user);
    });
  };
  users.forEach(next);
  await sleep(windowEnd - performance.now());
  const clientCpuPct = meter.percent();
  await waitFor(() => outstanding === 0, 30_000, 20);
  return { phase: args.phase, windowAcked, acked, windowMs: args.measureMs, errors, exhausted, clientCpuPct };
}

/**
 * `count` commands of `phase` per user (fewer for a user with nothing left to send), one in flight
 * each as in `run`, however long they take: for a server that runs slowly (under callgrind).
 */
export async function runCounted(
  phase: string,
  count: number,
): Promise<{ acked: number; errors: Record<string, number> }> {
  const driver = drivers.find(([name]) => name === phase)?.[1];
  if (!driver || !shared) throw new Error(`unknown phase ${phase} or no setup`);
  const context = shared;
  const errors: Record<string, number> = {};
  let acked = 0;
  await Promise.all(
    users.map(async (user) => {
      for (let sent = 0; sent < count; sent++) {
        const result = driver(user, context);
        if (!result) return;
        const error = await result;
        if (error) countBy(errors, error);
        else acked++;
      }
    }),
  );
  return { acked, errors };
}

async function expected(): Promise<CommandEffects> {
  const sum = (value: (user: User) => number) => users.reduce((total, user) => total + value(user), 0);
  const messages = users.flatMap((user) => user.messages);
  const items = users.flatMap((user) => user.items);
  return {
    listId: shared!.listId,
    roomId: shared!.roomId,
    items: items.length,
    itemVersionSum: items.reduce((total, item) => total + item.version - 1, 0),
    deletedItems: items.filter((item) => item.deleted).length,
    messages: messages.length,
    editedMessages: messages.filter((message) => message.edits > 0).length,
    deletedMessages: messages.filter((message) => message.deleted).length,
    reactions: messages.filter((message) => message.reactions > 0 && !message.deleted).length,
    readSeqSum: sum((user) => user.readSeq),
    boardIds: users.map((user) => user.boardId),
    players: sum((user) => user.players.length),
    rounds: sum((user) => user.resets),
    scores: sum((user) => user.scoreSum),
  };
}

export const handlers: Record<string, Handler> = { setup, run, expected };

export async function close(): Promise<void> {
  for (const socket of [...owner, ...users.flatMap((user) => (user ? [user.lists, user.chat, user.scoreboard] : []))])
    socket.disconnect();
  await sleep(50);
}
