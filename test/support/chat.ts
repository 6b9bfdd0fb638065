import { randomUUID } from 'node:crypto';
import { expect } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  Namespace,
  type ChatCommandResults,
  type Message,
  type Room,
  type RoomListEntry,
  type RoomSnapshot,
  type SessionCreated,
} from '@tandem/contract';
import { chatClient, commandOk, connect, settle, socketFor, type ChatClient } from './clients.js';
import type { TestServer } from './server.js';

/** Creates a room; a random name unless one is given. */
export async function createRoom(
  socket: ChatClient,
  name = `room-${randomUUID().slice(0, 8)}`,
  visibility?: 'private',
): Promise<Room> {
  const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
    name,
    ...(visibility ? { visibility } : {}),
  });
  return room;
}

export function join(socket: ChatClient, roomId: string, extra: Record<string, unknown> = {}): Promise<RoomSnapshot> {
  return commandOk<RoomSnapshot>(socket, ChatCommand.RoomJoin, { roomId, ...extra });
}

/** Sends a message and returns it as acknowledged. */
export async function send(
  socket: ChatClient,
  roomId: string,
  text: string,
  opId: string = randomUUID(),
): Promise<Message> {
  return (await commandOk<ChatCommandResults['message:send']>(socket, ChatCommand.MessageSend, { opId, roomId, text }))
    .message;
}

/** The room as `room:list` shows it to this socket's user, if listed. */
export async function listed(socket: ChatClient, roomId: string): Promise<RoomListEntry | undefined> {
  const { rooms } = await commandOk<ChatCommandResults['room:list']>(socket, ChatCommand.RoomList, {});
  return rooms.find((room) => room.id === roomId);
}

/** The persisted broadcasts of `/chat`: what "nothing was broadcast" watches. */
const persistedEvents: string[] = [
  ChatBroadcast.MessageCreated,
  ChatBroadcast.MessageUpdated,
  ChatBroadcast.MessageDeleted,
  ChatBroadcast.RoomUpdated,
  ChatBroadcast.ReadUpdated,
];

/** Every persisted broadcast a socket hears from now on, in arrival order. */
export function heardBy(socket: ChatClient): { event: string; data: unknown }[] {
  const heard: { event: string; data: unknown }[] = [];
  socket.onAny((event: string, data: unknown) => {
    if (persistedEvents.includes(event)) heard.push({ event, data });
  });
  return heard;
}

/** Scenes that need the suite's server, which exists only once `beforeAll` has run. */
export function chatScenes(server: () => TestServer) {
  /** Another tab of the same user. */
  function tab(session: SessionCreated): Promise<ChatClient> {
    return connect(socketFor<ChatClient>(server().url, Namespace.Chat, session.token));
  }

  /** A room created by ann and joined by both ann and bob, with every persisted broadcast each hears. */
  async function roomWithAnnAndBob(visibility?: 'private') {
    const ann = await chatClient(server().url, 'ann');
    const bob = await chatClient(server().url, 'bob');
    const room = await createRoom(ann.socket, undefined, visibility);
    await join(ann.socket, room.id);
    const joined = await join(bob.socket, room.id, visibility ? { inviteCode: room.inviteCode } : {});
    return { ann, bob, room, joined, heardByBob: heardBy(bob.socket), heardByAnn: heardBy(ann.socket) };
  }

  /** A refusal: the code, then nothing written and nothing broadcast to `listeners`. */
  async function expectRefused(
    sending: Promise<unknown>,
    code: string,
    before: Record<string, number>,
    ...listeners: { event: string }[][]
  ): Promise<void> {
    expect(await sending).toMatchObject({ ok: false, error: { code, message: expect.any(String) } });
    await settle(100);
    expect(server().tableCounts()).toEqual(before);
    for (const heard of listeners) expect(heard).toEqual([]);
  }

  return { tab, roomWithAnnAndBob, expectRefused };
}
