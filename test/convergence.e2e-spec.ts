import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ChatCommand,
  ListsBroadcast,
  ListsCommand,
  Namespace,
  type ChatCommandResults,
  type Item,
  type ItemChanged,
  type ListResync,
  type ListSnapshot,
  type ListsCommandResults,
  type MessageCreated,
  type RoomResync,
  type RoomSnapshot,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { closeAllClients, commandOk, connect, signIn, socketFor } from './support/clients.js';
import { startServer, type TestServer } from './support/server.js';

/** Applies a list change to a client's copy, as a client that speaks only the protocol would. */
function applyItemChange(items: Map<string, Item>, event: string, data: unknown): void {
  const { item } = data as ItemChanged;
  if (event === ListsBroadcast.ItemDeleted) items.delete(item.id);
  else if (item) items.set(item.id, item);
}

describe('a client offline during 500 changes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  it('converges exactly on reconnect, in a chat room and a list: gap-free, no duplicates, as stored', async () => {
    const writerSession = await signIn(server.url, 'writer');
    const chat = await connect(socketFor<Socket>(server.url, Namespace.Chat, writerSession.token));
    const lists = await connect(socketFor<Socket>(server.url, Namespace.Lists, writerSession.token));
    const { room } = await commandOk<ChatCommandResults['room:create']>(chat, ChatCommand.RoomCreate, {
      name: 'busy room',
    });
    await commandOk(chat, ChatCommand.RoomJoin, { roomId: room.id });
    const { list } = await commandOk<ListsCommandResults['list:create']>(lists, ListsCommand.ListCreate, {
      title: 'busy list',
    });
    await commandOk(lists, ListsCommand.ListJoin, { listId: list.id });
    for (let i = 0; i < 20; i++) {
      await commandOk(lists, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: `before ${i}` });
    }

    // The reader joins both, keeps its copies, then goes offline.
    const readerSession = await signIn(server.url, 'reader');
    let readerChat = await connect(socketFor<Socket>(server.url, Namespace.Chat, readerSession.token));
    let readerLists = await connect(socketFor<Socket>(server.url, Namespace.Lists, readerSession.token));
    const roomView = await commandOk<RoomSnapshot>(readerChat, ChatCommand.RoomJoin, { roomId: room.id });
    const listView = await commandOk<ListSnapshot>(readerLists, ListsCommand.ListJoin, { listId: list.id });
    const messages = new Map(roomView.messages.map((message) => [message.seq, message]));
    const items = new Map(listView.items.map((item) => [item.id, item]));
    readerChat.disconnect();
    readerLists.disconnect();

    // 500 changes: 250 messages, and 250 list changes (creates, updates, deletes).
    const live = new Map(listView.items.map((item) => [item.id, item]));
    let changes = 0;
    for (let i = 0; changes < 500; i++) {
      if (i % 2 === 0) {
        await commandOk(chat, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId: room.id,
          text: `while away ${i}`,
        });
      } else if (i % 10 === 1 || live.size < 5) {
        const { item } = await commandOk<{ item: Item }>(lists, ListsCommand.ItemCreate, {
          opId: randomUUID(),
          listId: list.id,
          text: `new ${i}`,
        });
        live.set(item.id, item);
      } else if (i % 10 === 3) {
        const victim = [...live.values()][i % live.size];
        await commandOk(lists, ListsCommand.ItemDelete, {
          opId: randomUUID(),
          itemId: victim.id,
          version: victim.version,
        });
        live.delete(victim.id);
      } else {
        const target = [...live.values()][i % live.size];
        const { item } = await commandOk<{ item: Item }>(lists, ListsCommand.ItemUpdate, {
          opId: randomUUID(),
          itemId: target.id,
          version: target.version,
          patch: i % 3 ? { text: `edited ${i}` } : { done: !target.done },
        });
        live.set(item.id, item);
      }
      changes++;
    }

    readerChat = await connect(socketFor<Socket>(server.url, Namespace.Chat, readerSession.token));
    readerLists = await connect(socketFor<Socket>(server.url, Namespace.Lists, readerSession.token));
    const chatResync = await commandOk<RoomResync>(readerChat, ChatCommand.RoomJoin, {
      roomId: room.id,
      sinceSeq: roomView.seq,
    });
    const listResync = await commandOk<ListResync>(readerLists, ListsCommand.ListJoin, {
      listId: list.id,
      sinceSeq: listView.seq,
    });
    if (!('changes' in chatResync) || !('changes' in listResync)) throw new Error('expected changes, not snapshots');

    const chatSeqs = chatResync.changes.map((change) => change.seq);
    const listSeqs = listResync.changes.map((change) => change.seq);
    expect(chatSeqs).toEqual(Array.from({ length: chatResync.seq - roomView.seq }, (_, i) => roomView.seq + 1 + i));
    expect(listSeqs).toEqual(Array.from({ length: listResync.seq - listView.seq }, (_, i) => listView.seq + 1 + i));
    expect(chatSeqs.length + listSeqs.length).toBe(500);

    for (const change of chatResync.changes) {
      const { message } = change.data as MessageCreated;
      expect(messages.has(message.seq)).toBe(false);
      messages.set(message.seq, message);
    }
    for (const change of listResync.changes) applyItemChange(items, change.event, change.data);

    const storedMessages = server.db
      .prepare('SELECT id, seq, text FROM Message WHERE roomId = ? ORDER BY seq')
      .all(room.id) as { id: string; seq: number; text: string }[];
    expect(
      [...messages.values()].sort((a, b) => a.seq - b.seq).map(({ id, seq, text }) => ({ id, seq, text })),
    ).toEqual(storedMessages);

    const storedItems = server.db
      .prepare('SELECT id, text, done, version FROM Item WHERE listId = ? AND deletedAt IS NULL ORDER BY id')
      .all(list.id) as { id: string; text: string; done: number; version: number }[];
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(
      [...items.values()].sort(byId).map(({ id, text, done, version }) => ({ id, text, done: done ? 1 : 0, version })),
    ).toEqual(storedItems);
    const fresh = await commandOk<ListSnapshot>(readerLists, ListsCommand.ListJoin, { listId: list.id });
    expect([...items.values()].sort(byId)).toEqual([...fresh.items].sort(byId));
  });
});
