import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  Limits,
  ListsBroadcast,
  ListsCommand,
  listPath,
  ListsRoute,
  rooms,
  type Ack,
  type Item,
  type ItemChanged,
  type ItemConflictDetails,
  type List,
  type ListChange,
  type ListDeleted,
  type ListResync,
  type ListSnapshot,
  type ListUpdated,
  type ListsCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import {
  command,
  commandOk,
  connect,
  eventually,
  listsClient,
  nextEvent,
  settle,
  signIn,
  socketFor,
  type ListsClient,
} from './support/clients.js';
import { serverForSuite } from './support/server.js';

/** Every broadcast a socket hears, in arrival order. */
function heardBy(socket: Socket): { event: string; data: unknown }[] {
  const heard: { event: string; data: unknown }[] = [];
  socket.onAny((event: string, data: unknown) => heard.push({ event, data }));
  return heard;
}

/** List order: by key as plain strings, then by id. */
function inListOrder(items: Iterable<Item>): Item[] {
  return [...items].sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : a.id < b.id ? -1 : 1));
}

/**
 * A client's copy of a list, kept the way a client that speaks only the protocol keeps it:
 * apply each change once, in seq order, dropping those it already has.
 */
class ListCopy {
  readonly items = new Map<string, Item>();
  seq = 0;

  constructor(snapshot: ListSnapshot) {
    this.seq = snapshot.seq;
    for (const item of snapshot.items) this.items.set(item.id, item);
  }

  apply(event: string, data: unknown): void {
    const change = data as { seq: number };
    if (change.seq <= this.seq) return;
    if (change.seq !== this.seq + 1) throw new Error(`gap: have ${this.seq}, got ${change.seq}`);
    this.seq = change.seq;
    const { item } = data as ItemChanged;
    switch (event) {
      case ListsBroadcast.ItemCreated:
      case ListsBroadcast.ItemUpdated:
      case ListsBroadcast.ItemMoved:
      case ListsBroadcast.ItemRestored:
        this.items.set(item.id, item);
        break;
      case ListsBroadcast.ItemDeleted:
        this.items.delete(item.id);
        break;
      default:
        break;
    }
  }

  applyAll(changes: ListChange[]): void {
    for (const change of changes) this.apply(change.event, change.data);
  }

  /** Follows the list's broadcasts on a socket from now on. */
  follow(socket: Socket): this {
    socket.onAny((event: string, data: unknown) => {
      if ((data as { listId?: string } | undefined)?.listId !== undefined) this.apply(event, data);
    });
    return this;
  }

  ordered(): Item[] {
    return inListOrder(this.items.values());
  }
}

describe('lists', () => {
  const server = serverForSuite();

  // ---- helpers --------------------------------------------------------------------------------

  async function createList(
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

  function join(socket: ListsClient, listId: string, extra: Record<string, unknown> = {}): Promise<ListSnapshot> {
    return commandOk<ListSnapshot>(socket, ListsCommand.ListJoin, { listId, ...extra });
  }

  async function createItem(socket: ListsClient, listId: string, text: string): Promise<Item> {
    const { item } = await commandOk<ListsCommandResults['item:create']>(socket, ListsCommand.ItemCreate, {
      opId: randomUUID(),
      listId,
      text,
    });
    return item;
  }

  function update(socket: ListsClient, item: Pick<Item, 'id' | 'version'>, patch: Record<string, unknown>) {
    return command<ListsCommandResults['item:update']>(socket, ListsCommand.ItemUpdate, {
      opId: randomUUID(),
      itemId: item.id,
      version: item.version,
      patch,
    });
  }

  function move(
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

  function versioned(socket: ListsClient, event: string, item: Pick<Item, 'id' | 'version'>) {
    return command<{ item: Item }>(socket, event, { opId: randomUUID(), itemId: item.id, version: item.version });
  }

  function okData<T>(ack: Ack<T>): T {
    if (!ack.ok) throw new Error(`expected ok, got ${ack.error.code}: ${ack.error.message}`);
    return ack.data;
  }

  /**
   * Resolves once every socket has heard what was broadcast before the call: an ack leaves after
   * the broadcasts emitted before it on the same connection.
   */
  async function caughtUp(...sockets: ListsClient[]): Promise<void> {
    await Promise.all(sockets.map((socket) => commandOk(socket, ListsCommand.ListList, {})));
  }

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

  /** What the wire says about items, reduced to what is stored. */
  function essentials(items: Item[]) {
    return items.map(({ id, text, done, position, version }) => ({ id, text, done, position, version }));
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

  // ---- lists ----------------------------------------------------------------------------------

  describe('lists', () => {
    it('creates a list, lists it, and joins it with its items and seq', async () => {
      const { socket: ann } = await listsClient(server.url, 'ann');
      const { socket: bob } = await listsClient(server.url, 'bob');
      const list = await createList(ann, '  Groceries  ');
      expect(list).toMatchObject({ title: 'Groceries', visibility: 'public', seq: 0, ownerId: expect.any(String) });
      expect(list.inviteCode).toBeUndefined();

      const { lists } = await commandOk<ListsCommandResults['list:list']>(bob, ListsCommand.ListList, {});
      expect(lists.map((listed) => listed.id)).toContain(list.id);

      const joined = await join(bob, list.id);
      expect(joined).toEqual({ list: { ...list, seq: 0 }, seq: 0, items: [] });
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM ListMember WHERE listId = ?').get(list.id)).toEqual({ n: 2 });
    });

    it('answers NOT_FOUND for a list that does not exist', async () => {
      const { socket } = await listsClient(server.url, 'ann');
      expect(await command(socket, ListsCommand.ListJoin, { listId: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
    });

    it('keeps private lists to members: invite code needed, hidden from others, membership persisted', async () => {
      const { socket: owner } = await listsClient(server.url, 'owner');
      const { socket: guest, session } = await listsClient(server.url, 'guest');
      const list = await createList(owner, 'secret plans', 'private');
      expect(list.inviteCode).toEqual(expect.any(String));
      const heard = heardBy(owner);
      await join(owner, list.id);

      const before = writeState();
      const listed = await commandOk<ListsCommandResults['list:list']>(guest, ListsCommand.ListList, {});
      expect(listed.lists.map((l) => l.id)).not.toContain(list.id);
      for (const extra of [{}, { inviteCode: 'wrong' }]) {
        expect(await command(guest, ListsCommand.ListJoin, { listId: list.id, ...extra })).toMatchObject({
          ok: false,
          error: { code: 'FORBIDDEN' },
        });
      }
      expect(
        await command(guest, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'x' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await settle();
      expect(writeState()).toEqual(before);
      expect(heard).toEqual([]);

      const joined = await join(guest, list.id, { inviteCode: list.inviteCode });
      expect(joined.list.inviteCode).toBe(list.inviteCode);
      expect(
        server.db
          .prepare('SELECT COUNT(*) AS n FROM ListMember WHERE listId = ? AND userId = ?')
          .get(list.id, session.user.id),
      ).toEqual({ n: 1 });
      // Membership outlives the socket: a new connection joins without the code.
      const again = await connect(socketFor<ListsClient>(server.url, '/lists', session.token));
      expect((await join(again, list.id)).list.id).toBe(list.id);
      const listedAfter = await commandOk<ListsCommandResults['list:list']>(again, ListsCommand.ListList, {});
      expect(listedAfter.lists.find((l) => l.id === list.id)?.inviteCode).toBe(list.inviteCode);
    });

    it('renames a list for every member, with seq', async () => {
      const { ann, bob, list } = await sharedList();
      const toBob = nextEvent<ListUpdated>(bob, ListsBroadcast.ListUpdated);
      const { list: renamed } = await commandOk<ListsCommandResults['list:rename']>(ann, ListsCommand.ListRename, {
        opId: randomUUID(),
        listId: list.id,
        title: 'Renamed',
      });
      expect(renamed).toMatchObject({ id: list.id, title: 'Renamed', seq: 1 });
      expect(await toBob).toEqual({ listId: list.id, seq: 1, list: renamed });
      expect((await join(bob, list.id)).list.title).toBe('Renamed');
    });

    it('lets only the owner delete a list; then list:deleted, and NOT_FOUND for everything on it', async () => {
      const { ann, bob, list, items, annSession } = await sharedList(['milk']);
      const heardByAnn = heardBy(ann);
      const before = writeState();
      expect(await command(bob, ListsCommand.ListDelete, { opId: randomUUID(), listId: list.id })).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await settle();
      expect(writeState()).toEqual(before);
      expect(heardByAnn).toEqual([]);

      const toBob = nextEvent<ListDeleted>(bob, ListsBroadcast.ListDeleted);
      expect(await commandOk(ann, ListsCommand.ListDelete, { opId: randomUUID(), listId: list.id })).toEqual({
        listId: list.id,
      });
      expect(await toBob).toEqual({ listId: list.id, seq: 2 });
      expect(server.db.prepare('SELECT deletedAt IS NOT NULL AS deleted FROM List WHERE id = ?').get(list.id)).toEqual({
        deleted: 1,
      });

      const heardByBob = heardBy(bob);
      const afterDelete = writeState();
      const refusals = await Promise.all([
        command(bob, ListsCommand.ListJoin, { listId: list.id }),
        command(ann, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'more' }),
        update(ann, items[0], { done: true }),
        versioned(ann, ListsCommand.ItemDelete, items[0]),
        command(ann, ListsCommand.ListRename, { opId: randomUUID(), listId: list.id, title: 'x' }),
      ]);
      for (const ack of refusals) expect(ack).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect((await getJson(listPath(list.id), annSession.token)).status).toBe(404);
      const listed = await commandOk<ListsCommandResults['list:list']>(ann, ListsCommand.ListList, {});
      expect(listed.lists.map((l) => l.id)).not.toContain(list.id);
      await settle();
      expect(writeState()).toEqual(afterDelete);
      expect(heardByBob).toEqual([]);
    });

    it('stops broadcasts to a socket that leaves, and keeps the user a member', async () => {
      const { ann, bob, list, bobSession } = await sharedList();
      expect(await commandOk(bob, ListsCommand.ListLeave, { listId: list.id })).toEqual({ listId: list.id });
      const heard = heardBy(bob);
      await createItem(ann, list.id, 'unheard');
      await settle();
      expect(heard).toEqual([]);
      expect(
        server.db
          .prepare('SELECT COUNT(*) AS n FROM ListMember WHERE listId = ? AND userId = ?')
          .get(list.id, bobSession.user.id),
      ).toEqual({ n: 1 });
    });
  });

  // ---- items ----------------------------------------------------------------------------------

  describe('items', () => {
    it('creates items at the end, broadcast with seq to the list only, committed before the ack', async () => {
      const { ann, bob, list, annSession } = await sharedList();
      const { socket: carol } = await listsClient(server.url, 'carol');
      const elsewhere = await createList(carol);
      await join(carol, elsewhere.id);
      const heardByCarol = heardBy(carol);
      const heardByBob = heardBy(bob);

      const created: Item[] = [];
      for (const text of ['milk', 'eggs', 'bread']) {
        const item = await createItem(ann, list.id, text);
        const stored = server.db.prepare('SELECT text, version, position FROM Item WHERE id = ?').get(item.id);
        expect(stored).toEqual({ text, version: 1, position: item.position });
        created.push(item);
      }
      expect(created[0]).toMatchObject({
        listId: list.id,
        text: 'milk',
        done: false,
        version: 1,
        createdBy: annSession.user,
        updatedBy: annSession.user,
      });
      expect(created.map((item) => item.position)).toEqual([...created.map((item) => item.position)].sort());
      await eventually(() => heardByBob.length === 3, 'three item:created');
      expect(heardByBob).toEqual(
        created.map((item, i) => ({ event: ListsBroadcast.ItemCreated, data: { listId: list.id, seq: i + 1, item } })),
      );
      const changes = server.db
        .prepare('SELECT seq, event FROM Change WHERE streamKey = ? ORDER BY seq')
        .all(rooms.list(list.id));
      expect(changes).toEqual([1, 2, 3].map((seq) => ({ seq, event: ListsBroadcast.ItemCreated })));
      await settle();
      expect(heardByCarol).toEqual([]);
      expect((await join(bob, list.id)).items).toEqual(created);
    });

    it('updates text and done, bumping the version, and names who changed it', async () => {
      const { ann, bob, list, items, bobSession } = await sharedList(['milk']);
      const toAnn = nextEvent<ItemChanged>(ann, ListsBroadcast.ItemUpdated);
      const { item } = okData(await update(bob, items[0], { text: '  oat milk ', done: true }));
      expect(item).toMatchObject({
        id: items[0].id,
        text: 'oat milk',
        done: true,
        version: 2,
        updatedBy: bobSession.user,
      });
      expect(item.position).toBe(items[0].position);
      expect(await toAnn).toEqual({ listId: list.id, seq: 2, item });
      expect(storedLiveItems(list.id)).toEqual(essentials([item]));
    });

    it('applies a retried command with the same opId once, returning the first result', async () => {
      const { ann, bob, list } = await sharedList();
      const heard = heardBy(bob);
      const payload = { opId: randomUUID(), listId: list.id, text: 'once' };
      const [first, second] = await Promise.all([
        commandOk(ann, ListsCommand.ItemCreate, payload),
        commandOk(ann, ListsCommand.ItemCreate, payload),
      ]);
      expect(second).toEqual(first);
      expect(await commandOk(ann, ListsCommand.ItemCreate, payload)).toEqual(first);
      await settle();
      expect(heard).toHaveLength(1);
      expect(storedItems(list.id)).toHaveLength(1);
    });

    it('refuses item writes from a user who has not joined the list, writing nothing', async () => {
      const { ann, list, items } = await sharedList(['milk']);
      const { socket: stranger } = await listsClient(server.url, 'stranger');
      const heard = heardBy(ann);
      const before = writeState();
      const acks = await Promise.all([
        command(stranger, ListsCommand.ItemCreate, { opId: randomUUID(), listId: list.id, text: 'sneaky' }),
        update(stranger, items[0], { done: true }),
        versioned(stranger, ListsCommand.ItemDelete, items[0]),
        move(stranger, items[0], { afterId: null }),
        command(stranger, ListsCommand.ListRename, { opId: randomUUID(), listId: list.id, title: 'mine' }),
      ]);
      for (const ack of acks) expect(ack).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });
  });

  // ---- optimistic concurrency -----------------------------------------------------------------

  describe('optimistic concurrency', () => {
    it('lets exactly one of two racing writers win; the loser gets CONFLICT with the stored item', async () => {
      const { ann, bob, list, annSession, bobSession } = await sharedList();
      const annCopy = new ListCopy(await join(ann, list.id)).follow(ann);
      const bobCopy = new ListCopy(await join(bob, list.id)).follow(bob);
      for (let round = 0; round < 10; round++) {
        const item = await createItem(ann, list.id, `race ${round}`);
        const [annAck, bobAck] = await Promise.all([
          update(ann, item, { text: `ann wins ${round}` }),
          update(bob, item, { text: `bob wins ${round}`, done: true }),
        ]);
        expect([annAck.ok, bobAck.ok].filter(Boolean)).toHaveLength(1);
        const [winner, loser] = annAck.ok ? [annAck, bobAck] : [bobAck, annAck];
        if (!winner.ok || loser.ok) throw new Error('unreachable');
        expect(loser.error.code).toBe('CONFLICT');
        const { current } = loser.error.details as ItemConflictDetails;
        expect(current).toEqual(winner.data.item);
        expect(current.version).toBe(2);
        expect(current.updatedBy).toEqual(annAck.ok ? annSession.user : bobSession.user);
        expect(loser.error.message).toContain(current.updatedBy.name);
      }
      await eventually(() => annCopy.seq === 20 && bobCopy.seq === 20, 'both copies at seq 20');
      const fresh = await join(bob, list.id);
      expect(annCopy.ordered()).toEqual(fresh.items);
      expect(bobCopy.ordered()).toEqual(fresh.items);
      expect(storedLiveItems(list.id)).toEqual(essentials(fresh.items));
      expect(storedItems(list.id).every((row) => row.version === 2)).toBe(true);
    });

    it('refuses a stale update, delete or move with CONFLICT, writing and broadcasting nothing', async () => {
      const { ann, bob, items } = await sharedList(['milk', 'eggs']);
      const { item: current } = okData(await update(ann, items[0], { done: true }));
      await caughtUp(bob);
      const heard = heardBy(bob);
      const before = writeState();
      const stale = items[0];
      const acks = await Promise.all([
        update(bob, stale, { text: 'stale' }),
        versioned(bob, ListsCommand.ItemDelete, stale),
        move(bob, stale, { afterId: items[1].id }),
        update(bob, { id: stale.id, version: 7 }, { done: false }),
      ]);
      for (const ack of acks) {
        expect(ack).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { current } } });
      }
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });

    it('deletes with the current version; the deleted item then conflicts and leaves the snapshot', async () => {
      const { ann, bob, list, items } = await sharedList(['milk', 'eggs']);
      const toBob = nextEvent<ItemChanged>(bob, ListsBroadcast.ItemDeleted);
      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[0]));
      expect(deleted).toMatchObject({ id: items[0].id, version: 2, deletedAt: expect.any(String), text: 'milk' });
      expect(await toBob).toEqual({ listId: list.id, seq: 3, item: deleted });
      expect((await join(bob, list.id)).items.map((item) => item.id)).toEqual([items[1].id]);

      const heard = heardBy(ann);
      const before = writeState();
      for (const ack of [
        await update(bob, deleted, { done: true }),
        await versioned(bob, ListsCommand.ItemDelete, deleted),
      ]) {
        expect(ack).toMatchObject({ ok: false, error: { code: 'CONFLICT', details: { current: deleted } } });
        if (!ack.ok) expect(ack.error.message).toContain('deleted');
      }
      expect(await update(bob, { id: randomUUID(), version: 1 }, { done: true })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });
  });

  // ---- restore --------------------------------------------------------------------------------

  describe('restore', () => {
    it('undoes a delete: the item comes back in its place, with a new version', async () => {
      const { ann, bob, list, items } = await sharedList(['a', 'b', 'c']);
      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      const toBob = nextEvent<ItemChanged>(bob, ListsBroadcast.ItemRestored);
      const { item: restored } = okData(await versioned(ann, ListsCommand.ItemRestore, deleted));
      expect(restored).toMatchObject({ id: items[1].id, text: 'b', version: 3, position: items[1].position });
      expect(restored.deletedAt).toBeUndefined();
      expect(await toBob).toEqual({ listId: list.id, seq: 5, item: restored });
      expect((await join(bob, list.id)).items.map((item) => item.text)).toEqual(['a', 'b', 'c']);
    });

    it('refuses to restore an item that is not deleted, or with a stale version', async () => {
      const { ann, bob, items } = await sharedList(['a']);
      const heard = heardBy(ann);
      const before = writeState();
      expect(await versioned(bob, ListsCommand.ItemRestore, items[0])).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', details: { current: items[0] } },
      });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);

      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[0]));
      const afterDelete = writeState();
      expect(await versioned(bob, ListsCommand.ItemRestore, items[0])).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', details: { current: deleted } },
      });
      expect(writeState()).toEqual(afterDelete);
    });

    it('gives a restored item a free key when its old one was taken meanwhile', async () => {
      const { ann, list, items } = await sharedList(['a', 'b', 'c']);
      const { item: deleted } = okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      // Another item takes the deleted one's key.
      okData(await update(ann, items[2], { position: items[1].position }));
      const { item: restored } = okData(await versioned(ann, ListsCommand.ItemRestore, deleted));
      expect(restored.position).not.toBe(items[1].position);
      const order = (await join(ann, list.id)).items;
      expect(order.map((item) => item.text)).toEqual(['a', 'c', 'b']);
      expect(new Set(order.map((item) => item.position)).size).toBe(3);
    });
  });

  // ---- ordering -------------------------------------------------------------------------------

  describe('ordering', () => {
    it('moves an item between two neighbours by writing one key; no other item changes', async () => {
      const { ann, bob, list, items } = await sharedList(['a', 'b', 'c', 'd', 'e']);
      const [a, b, , , e] = items;
      const before = storedItems(list.id).filter((row) => row.id !== e.id);
      const toBob = nextEvent<ItemChanged>(bob, ListsBroadcast.ItemMoved);
      const { item: moved } = okData(await move(ann, e, { afterId: a.id, beforeId: b.id }));
      expect(moved).toMatchObject({ id: e.id, version: 2 });
      expect(a.position < moved.position && moved.position < b.position).toBe(true);
      expect(await toBob).toEqual({ listId: list.id, seq: 6, item: moved });
      expect(storedItems(list.id).filter((row) => row.id !== e.id)).toEqual(before);
      expect((await join(bob, list.id)).items.map((item) => item.text)).toEqual(['a', 'e', 'b', 'c', 'd']);
    });

    it('moves to the start and to the end', async () => {
      const { ann, list, items } = await sharedList(['a', 'b', 'c']);
      okData(await move(ann, items[2], { afterId: null }));
      okData(await move(ann, items[0], { beforeId: null }));
      const { item: b } = okData(await move(ann, items[1], { beforeId: items[2].id }));
      expect(b.version).toBe(2);
      expect((await join(ann, list.id)).items.map((item) => item.text)).toEqual(['b', 'c', 'a']);
    });

    it('gives concurrent moves into one gap distinct keys, the same order everywhere', async () => {
      const texts = Array.from({ length: 12 }, (_, i) => `item ${i}`);
      const { ann, bob, list, items } = await sharedList(texts);
      const annCopy = new ListCopy(await join(ann, list.id)).follow(ann);
      const bobCopy = new ListCopy(await join(bob, list.id)).follow(bob);
      const [first, second, ...rest] = items;
      const untouched = new Map(storedItems(list.id).map((row) => [row.id, row.position]));

      // Ten items dropped between the same two neighbours at once, from two clients.
      const movers = rest.slice(0, 10);
      const acks = await Promise.all(
        movers.map((item, i) => move(i % 2 ? bob : ann, item, { afterId: first.id, beforeId: second.id })),
      );
      const moved = acks.map((ack) => okData(ack).item);
      const keys = moved.map((item) => item.position);
      expect(new Set(keys).size).toBe(keys.length);
      for (const key of keys) expect(first.position < key && key < second.position).toBe(true);
      for (const row of storedItems(list.id)) {
        if (!movers.some((item) => item.id === row.id)) expect(row.position).toBe(untouched.get(row.id));
      }

      // The same item moved by both at once: one wins.
      const [x, y] = await Promise.all([
        move(ann, moved[0], { beforeId: null }),
        move(bob, moved[0], { afterId: null }),
      ]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      expect(x.ok ? y : x).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });

      const fresh = await join(ann, list.id);
      await eventually(() => annCopy.seq === fresh.seq && bobCopy.seq === fresh.seq, 'copies caught up');
      expect(annCopy.ordered()).toEqual(fresh.items);
      expect(bobCopy.ordered()).toEqual(fresh.items);
      expect(storedLiveItems(list.id)).toEqual(essentials(fresh.items));
      expect(new Set(fresh.items.map((item) => item.position)).size).toBe(fresh.items.length);
    });

    it('refuses a move next to a deleted item (CONFLICT) or an item of another list (NOT_FOUND)', async () => {
      const { ann, bob, items } = await sharedList(['a', 'b', 'c']);
      const other = await createList(ann);
      await join(ann, other.id);
      const foreign = await createItem(ann, other.id, 'elsewhere');
      okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      await caughtUp(bob);
      const heard = heardBy(bob);
      const before = writeState();
      expect(await move(bob, items[0], { afterId: items[1].id })).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT', details: { current: items[0] } },
      });
      expect(await move(bob, items[0], { afterId: foreign.id })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      expect(await move(bob, items[0], { beforeId: randomUUID() })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      await settle();
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
    });
  });

  // ---- resync ---------------------------------------------------------------------------------

  describe('resync', () => {
    it('replays exactly the 30 missed changes (creates, updates, deletes) and converges', async () => {
      const { ann, bob, list, bobSession } = await sharedList(['keep 1', 'keep 2', 'keep 3']);
      const bobCopy = new ListCopy(await join(bob, list.id));
      bob.disconnect();

      const created: Item[] = [];
      for (let i = 0; i < 12; i++) created.push(await createItem(ann, list.id, `new ${i}`));
      const latest = new Map(created.map((item) => [item.id, item]));
      for (let i = 0; i < 10; i++) {
        const item = latest.get(created[i].id) as Item;
        latest.set(item.id, okData(await update(ann, item, { text: `edited ${i}`, done: i % 2 === 0 })).item);
      }
      for (let i = 0; i < 6; i++) {
        okData(await versioned(ann, ListsCommand.ItemDelete, latest.get(created[i].id) as Item));
      }
      okData(await move(ann, latest.get(created[11].id) as Item, { afterId: null }));
      okData(await update(ann, latest.get(created[10].id) as Item, { done: true }));

      const bobAgain = await connect(socketFor<ListsClient>(server.url, '/lists', bobSession.token));
      const resync = await commandOk<ListResync>(bobAgain, ListsCommand.ListJoin, {
        listId: list.id,
        sinceSeq: bobCopy.seq,
      });
      if (!('changes' in resync)) throw new Error('expected changes, got a snapshot');
      expect(resync.seq).toBe(bobCopy.seq + 30);
      expect(resync.changes.map((change) => change.seq)).toEqual(
        Array.from({ length: 30 }, (_, i) => bobCopy.seq + 1 + i),
      );
      const events = resync.changes.map((change) => change.event);
      expect(events.filter((event) => event === ListsBroadcast.ItemCreated)).toHaveLength(12);
      expect(events.filter((event) => event === ListsBroadcast.ItemUpdated)).toHaveLength(11);
      expect(events.filter((event) => event === ListsBroadcast.ItemDeleted)).toHaveLength(6);
      expect(events.filter((event) => event === ListsBroadcast.ItemMoved)).toHaveLength(1);

      bobCopy.applyAll(resync.changes);
      const fresh = await join(bobAgain, list.id);
      expect(bobCopy.seq).toBe(fresh.seq);
      expect(bobCopy.ordered()).toEqual(fresh.items);
      expect(storedLiveItems(list.id)).toEqual(essentials(fresh.items));
      expect(fresh.items.map((item) => item.text)).toEqual([
        'new 11',
        'keep 1',
        'keep 2',
        'keep 3',
        'edited 6',
        'edited 7',
        'edited 8',
        'edited 9',
        'new 10',
      ]);

      const upToDate = await commandOk<ListResync>(bobAgain, ListsCommand.ListJoin, {
        listId: list.id,
        sinceSeq: fresh.seq,
      });
      expect(upToDate).toMatchObject({ seq: fresh.seq, changes: [] });
    });

    it('answers a snapshot when the gap is beyond what is replayed, or ahead of the list', async () => {
      const { socket: ann } = await listsClient(server.url, 'ann');
      const list = await createList(ann);
      await join(ann, list.id);
      const total = Limits.resyncMaxChanges + 2;
      for (let i = 0; i < total; i += 50) {
        await Promise.all(
          Array.from({ length: Math.min(50, total - i) }, (_, k) => createItem(ann, list.id, `bulk ${i + k}`)),
        );
      }
      const resync = await commandOk<ListResync>(ann, ListsCommand.ListJoin, { listId: list.id, sinceSeq: 1 });
      expect(resync).toMatchObject({ seq: total, snapshot: true });
      if (!('snapshot' in resync)) throw new Error('expected a snapshot');
      expect(resync.items).toHaveLength(total);
      expect(essentials(resync.items)).toEqual(storedLiveItems(list.id));

      const ahead = await commandOk<ListResync>(ann, ListsCommand.ListJoin, { listId: list.id, sinceSeq: total + 10 });
      expect(ahead).toMatchObject({ snapshot: true, seq: total });
    });
  });

  // ---- REST mirror ----------------------------------------------------------------------------

  describe('REST mirror', () => {
    it('serves the same lists and list state as the socket', async () => {
      const { bob, list, items, bobSession } = await sharedList(['milk', 'eggs', 'bread']);
      okData(await update(bob, items[0], { done: true }));
      okData(await versioned(bob, ListsCommand.ItemDelete, items[1]));
      okData(await move(bob, items[2], { afterId: null }));

      const overSocket = await join(bob, list.id);
      const overHttp = await getJson(listPath(list.id), bobSession.token);
      expect(overHttp).toEqual({ status: 200, body: overSocket });

      const listed = await commandOk<ListsCommandResults['list:list']>(bob, ListsCommand.ListList, {});
      expect(await getJson(ListsRoute.Lists, bobSession.token)).toEqual({ status: 200, body: listed });
    });

    it('answers 401 without a valid token, 403 for a private list of others, 404 for an unknown one', async () => {
      const { socket: owner, session: ownerSession } = await listsClient(server.url, 'owner');
      const outsider = await signIn(server.url, 'outsider');
      const secret = await createList(owner, 'secret', 'private');
      const before = writeState();

      for (const path of [ListsRoute.Lists, listPath(secret.id)]) {
        for (const token of [undefined, '', 'garbage', `${ownerSession.token.split('.')[0]}.forged`]) {
          const answer = await getJson(path, token);
          expect(answer).toMatchObject({ status: 401, body: { ok: false, error: { code: 'UNAUTHORIZED' } } });
        }
      }
      const noBearer = await fetch(`${server.url}${listPath(secret.id)}`, {
        headers: { authorization: ownerSession.token },
      });
      expect(noBearer.status).toBe(401);
      expect(noBearer.headers.get('www-authenticate')).toBe('Bearer');

      expect(await getJson(listPath(secret.id), outsider.token)).toMatchObject({
        status: 403,
        body: { ok: false, error: { code: 'FORBIDDEN' } },
      });
      expect(await getJson(listPath(randomUUID()), outsider.token)).toMatchObject({
        status: 404,
        body: { ok: false, error: { code: 'NOT_FOUND' } },
      });
      expect((await getJson(listPath('not-an-id'), outsider.token)).status).toBe(404);
      const { body: visible } = (await getJson(ListsRoute.Lists, outsider.token)) as { body: { lists: List[] } };
      expect(visible.lists.map((l) => l.id)).not.toContain(secret.id);
      // Reading makes no one a member.
      expect(writeState()).toEqual(before);

      const { body: ownerView } = (await getJson(listPath(secret.id), ownerSession.token)) as { body: ListSnapshot };
      expect(ownerView.list.inviteCode).toBe(secret.inviteCode);
    });
  });

  // ---- bad payloads ---------------------------------------------------------------------------

  describe('bad payloads', () => {
    const listIdPlaceholder = '$list';
    const itemIdPlaceholder = '$item';
    const op = () => randomUUID();
    const cases: [string, string, unknown][] = [
      ['a string instead of an object', ListsCommand.ItemCreate, 'milk'],
      ['no payload at all', ListsCommand.ItemUpdate, undefined],
      ['a missing opId', ListsCommand.ItemCreate, { listId: listIdPlaceholder, text: 'x' }],
      ['an opId that is not a UUID', ListsCommand.ItemCreate, { opId: 'abc', listId: listIdPlaceholder, text: 'x' }],
      ['an opId on a command that takes none', ListsCommand.ListCreate, { title: 'x', opId: op() }],
      ['a list title over 100 characters', ListsCommand.ListCreate, { title: 'x'.repeat(101) }],
      ['a blank list title', ListsCommand.ListCreate, { title: '  ' }],
      ['an unknown visibility', ListsCommand.ListCreate, { title: 'x', visibility: 'secret' }],
      [
        'item text over 1,000 characters',
        ListsCommand.ItemCreate,
        { opId: op(), listId: listIdPlaceholder, text: 'x'.repeat(Limits.itemText + 1) },
      ],
      ['blank item text', ListsCommand.ItemCreate, { opId: op(), listId: listIdPlaceholder, text: '   ' }],
      [
        'an unknown field',
        ListsCommand.ItemCreate,
        { opId: op(), listId: listIdPlaceholder, text: 'x', position: 'a0' },
      ],
      ['a listId that is not an id', ListsCommand.ItemCreate, { opId: op(), listId: 'groceries', text: 'x' }],
      [
        'an unknown patch field',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { color: 'red' } },
      ],
      ['an empty patch', ListsCommand.ItemUpdate, { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: {} }],
      ['a missing patch', ListsCommand.ItemUpdate, { opId: op(), itemId: itemIdPlaceholder, version: 1 }],
      [
        'done that is not a boolean',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { done: 'yes' } },
      ],
      [
        'a position that is not an order key',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { position: 'a00' } },
      ],
      [
        'patched text over 1,000 characters',
        ListsCommand.ItemUpdate,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, patch: { text: 'y'.repeat(1_001) } },
      ],
      ['a missing version', ListsCommand.ItemUpdate, { opId: op(), itemId: itemIdPlaceholder, patch: { done: true } }],
      ['version 0', ListsCommand.ItemDelete, { opId: op(), itemId: itemIdPlaceholder, version: 0 }],
      ['a fractional version', ListsCommand.ItemDelete, { opId: op(), itemId: itemIdPlaceholder, version: 1.5 }],
      ['a version as a string', ListsCommand.ItemDelete, { opId: op(), itemId: itemIdPlaceholder, version: '1' }],
      ['a move without neighbours', ListsCommand.ItemMove, { opId: op(), itemId: itemIdPlaceholder, version: 1 }],
      [
        'a move next to itself',
        ListsCommand.ItemMove,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, afterId: itemIdPlaceholder },
      ],
      [
        'a neighbour that is not an id',
        ListsCommand.ItemMove,
        { opId: op(), itemId: itemIdPlaceholder, version: 1, beforeId: 'top' },
      ],
      ['a negative sinceSeq', ListsCommand.ListJoin, { listId: listIdPlaceholder, sinceSeq: -1 }],
      ['fields on list:list', ListsCommand.ListList, { all: true }],
      [
        'a __proto__ key',
        ListsCommand.ItemUpdate,
        JSON.parse(
          `{"opId":"${randomUUID()}","itemId":"${itemIdPlaceholder}","version":1,"patch":{"done":true},"__proto__":{"polluted":true}}`,
        ),
      ],
      [
        'a __proto__ key inside the patch',
        ListsCommand.ItemUpdate,
        JSON.parse(
          `{"opId":"${randomUUID()}","itemId":"${itemIdPlaceholder}","version":1,"patch":{"__proto__":{"done":true}}}`,
        ),
      ],
    ];

    it.each(cases)('answers VALIDATION to %s, writing and broadcasting nothing', async (_, event, payload) => {
      const { ann, bob, list, items } = await sharedList(['milk']);
      const heard = heardBy(bob);
      const before = writeState();
      const filled =
        payload === undefined
          ? undefined
          : (JSON.parse(
              JSON.stringify(payload).replaceAll(listIdPlaceholder, list.id).replaceAll(itemIdPlaceholder, items[0].id),
            ) as unknown);

      const ack = await command(ann, event, filled);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
      if (!ack.ok) expect((ack.error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      await settle(50);
      expect(heard).toEqual([]);
      expect(writeState()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
