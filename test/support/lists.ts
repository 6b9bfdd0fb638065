/**
 * What the lists suites share: each command in one call, and the scenes and stored state that
 * need the suite's server.
 */
import { randomUUID } from 'node:crypto';
import {
  ListsCommand,
  type Ack,
  type Item,
  type List,
  type ListSnapshot,
  type ListsCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { command, commandOk, listsClient, type ListsClient } from './clients.js';
import { serverForSuite } from './server.js';

/** Every broadcast a socket hears, in arrival order. */
export function heardBy(socket: Socket): { event: string; data: unknown }[] {
  const heard: { event: string; data: unknown }[] = [];
  socket.onAny((event: string, data: unknown) => heard.push({ event, data }));
  return heard;
}

export async function createList(
  socket: ListsClient,
  title = `list-${randomUUID().slice(0, 8)}`,
  visibility?: 'private',
): Promise<List> {
  const { list } = await commandOk<ListsCommandResults['list:create']>(socket, ListsCommand.ListCreate, {
    title,
    ...(visibility ? { visibility } : {}),
  });
  return list;
}

export function join(socket: ListsClient, listId: string, extra: Record<string, unknown> = {}): Promise<ListSnapshot> {
  return commandOk<ListSnapshot>(socket, ListsCommand.ListJoin, { listId, ...extra });
}

export async function createItem(socket: ListsClient, listId: string, text: string): Promise<Item> {
  const { item } = await commandOk<ListsCommandResults['item:create']>(socket, ListsCommand.ItemCreate, {
    opId: randomUUID(),
    listId,
    text,
  });
  return item;
}

export function update(socket: ListsClient, item: Pick<Item, 'id' | 'version'>, patch: Record<string, unknown>) {
  return command<ListsCommandResults['item:update']>(socket, ListsCommand.ItemUpdate, {
    opId: randomUUID(),
    itemId: item.id,
    version: item.version,
    patch,
  });
}

export function move(
  socket: ListsClient,
  item: Pick<Item, 'id' | 'version'>,
  neighbours: { afterId?: string | null; beforeId?: string | null },
) {
  return command<ListsCommandResults['item:move']>(socket, ListsCommand.ItemMove, {
    opId: randomUUID(),
    itemId: item.id,
    version: item.version,
    ...neighbours,
  });
}

export function versioned(socket: ListsClient, event: string, item: Pick<Item, 'id' | 'version'>) {
  return command<{ item: Item }>(socket, event, { opId: randomUUID(), itemId: item.id, version: item.version });
}

export function okData<T>(ack: Ack<T>): T {
  if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
  return ack.data;
}

/**
 * Resolves once every socket has heard what was broadcast before the call: an ack leaves after
 * the broadcasts emitted before it on the same connection.
 */
export async function caughtUp(...sockets: ListsClient[]): Promise<void> {
  await Promise.all(sockets.map((socket) => commandOk(socket, ListsCommand.ListList, {})));
}

/** The suite's own server (`serverForSuite`), with the scenes and stored state that need it. */
export function listsSuite() {
  const server = serverForSuite();

  /** A list with one owner and one other member, both subscribed, and `texts` as its items. */
  async function sharedList(texts: string[] = []) {
    const ann = await listsClient(server.url, 'ann');
    const bob = await listsClient(server.url, 'bob');
    const list = await createList(ann.socket);
    await join(ann.socket, list.id);
    await join(bob.socket, list.id);
    const items: Item[] = [];
    for (const text of texts) items.push(await createItem(ann.socket, list.id, text));
    await caughtUp(ann.socket, bob.socket);
    return { ann: ann.socket, bob: bob.socket, annSession: ann.session, bobSession: bob.session, list, items };
  }

  interface StoredItem {
    id: string;
    text: string;
    done: number;
    position: string;
    version: number;
    deletedAt: number | null;
  }

  function storedItems(listId: string): StoredItem[] {
    return server.db
      .prepare('SELECT id, text, done, position, version, deletedAt FROM Item WHERE listId = ? ORDER BY position, id')
      .all(listId) as StoredItem[];
  }

  function storedLiveItems(listId: string) {
    return storedItems(listId)
      .filter((row) => row.deletedAt === null)
      .map((row) => ({
        id: row.id,
        text: row.text,
        done: row.done === 1,
        position: row.position,
        version: row.version,
      }));
  }

  /** Everything a refused command could have touched: every row count, and every list and item row. */
  function writeState() {
    return {
      counts: server.tableCounts(),
      lists: server.db.prepare('SELECT * FROM List ORDER BY id').all(),
      items: server.db.prepare('SELECT * FROM Item ORDER BY id').all(),
      members: server.db.prepare('SELECT * FROM ListMember ORDER BY listId, userId').all(),
    };
  }

  async function getJson(path: string, token?: string): Promise<{ status: number; body: unknown }> {
    const response = await fetch(`${server.url}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    return { status: response.status, body: await response.json() };
  }

  return { server, sharedList, storedItems, storedLiveItems, writeState, getJson };
}
