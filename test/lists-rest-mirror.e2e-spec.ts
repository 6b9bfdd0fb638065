import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ListsCommand,
  listPath,
  ListsRoute,
  type List,
  type ListSnapshot,
  type ListsCommandResults,
} from '@tandem/contract';
import { commandOk, listsClient, signIn } from './support/clients.js';
import { createItem, createList, join, listsSuite, move, okData, update, versioned } from './support/lists.js';

describe('lists', () => {
  const { server, sharedList, writeState, getJson, storedLiveItems } = listsSuite();

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

      // Not cached: no ETag to revalidate with, and none computed.
      const response = await fetch(`${server.url}${listPath(list.id)}`, {
        headers: { authorization: `Bearer ${bobSession.token}` },
      });
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('etag')).toBeNull();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');

      const listed = await commandOk<ListsCommandResults['list:list']>(bob, ListsCommand.ListList, {});
      expect(await getJson(ListsRoute.Lists, bobSession.token)).toEqual({ status: 200, body: listed });
    });

    it('answers every read with the items as they are now, read again or after each kind of change', async () => {
      const { ann, bob, list, items, bobSession } = await sharedList(['milk', 'eggs', 'bread']);
      const other = await createList(ann);
      await createItem(ann, other.id, 'elsewhere');
      const read = async () => {
        const overHttp = (await getJson(listPath(list.id), bobSession.token)) as { status: number; body: ListSnapshot };
        expect(overHttp.status).toBe(200);
        // A read of another list in between: what is kept is kept per list.
        expect((await getJson(listPath(other.id), bobSession.token)).status).toBe(200);
        const overSocket = await join(bob, list.id);
        expect(overHttp.body).toEqual(overSocket);
        expect(
          overSocket.items.map(({ id, text, done, position, version }) => ({ id, text, done, position, version })),
        ).toEqual(storedLiveItems(list.id));
        return overSocket;
      };
      const first = await read();
      expect(first.items.map((item) => item.text)).toEqual(['milk', 'eggs', 'bread']);
      expect(await read()).toEqual(first);

      const edited = okData(await update(ann, items[0], { text: 'oat milk', done: true })).item;
      expect((await read()).items[0]).toEqual(edited);
      okData(await versioned(ann, ListsCommand.ItemDelete, items[1]));
      expect((await read()).items.map((item) => item.text)).toEqual(['oat milk', 'bread']);
      okData(await move(ann, items[2], { afterId: null }));
      expect((await read()).items.map((item) => item.text)).toEqual(['bread', 'oat milk']);
      okData(await versioned(ann, ListsCommand.ItemRestore, { id: items[1].id, version: items[1].version + 1 }));
      expect((await read()).items.map((item) => item.text)).toEqual(['bread', 'oat milk', 'eggs']);
      await createItem(ann, list.id, 'tea');
      const renamed = await commandOk<ListsCommandResults['list:rename']>(ann, ListsCommand.ListRename, {
        opId: randomUUID(),
        listId: list.id,
        title: 'groceries',
      });
      const last = await read();
      expect(last.list.title).toBe('groceries');
      expect(last.seq).toBe(renamed.list.seq);
      expect(last.items.map((item) => item.text)).toEqual(['bread', 'oat milk', 'eggs', 'tea']);
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
});
