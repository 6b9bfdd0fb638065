import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ListsBroadcast, timeOrderedId, type User } from '@tandem/contract';
import { SpaceKinds, type SpaceKind } from '../../../apps/api/src/spaces/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';

/** Every query of the scoreboard's and the lists' repositories, on every database. */
export function scoreboardAndListsCases(open: () => Promise<DataLayerDatabase>): void {
  let database: DataLayerDatabase;
  let node: DataLayerNode;
  let ann: User;
  let bob: User;

  beforeAll(async () => {
    database = await open();
    node = await database.node();
    ann = await node.users.create('ann');
    bob = await node.users.create('bob');
  });
  afterAll(() => database.drop());

  const publicSpace = (kind: SpaceKind, name: string) =>
    node.units.write((context) =>
      node.spaces.create(kind, context, { name, visibility: 'public', inviteCode: null, ownerId: ann.id }),
    );

  describe('scoreboard', () => {
    it('creates a board, players and scores; ranks them; resets the round and keeps its history', async () => {
      const space = await node.units.write((context) =>
        node.spaces.create(SpaceKinds.board, context, {
          name: 'quiz',
          visibility: 'private',
          inviteCode: 'code',
          ownerId: ann.id,
        }),
      );
      const board = { ...space, round: 1 };
      expect(await node.boards.findBoard(board.id)).toEqual(board);
      await node.units.write((context) => node.spaces.addMember(SpaceKinds.board, context, board.id, bob.id));
      const [first, second] = await node.units.write(async (context) => [
        await node.boards.addPlayer(context, { boardId: board.id, name: 'one', userId: bob.id }),
        await node.boards.addPlayer(context, { boardId: board.id, name: 'two' }),
      ]);
      await node.units.write(async (context) => {
        expect(await node.boards.userExists(bob.id, context.sql)).toBe(true);
        expect(await node.boards.userExists('nobody', context.sql)).toBe(false);
        expect(await node.boards.hasPlayerFor(board.id, bob.id, context.sql)).toBe(true);
        expect(await node.boards.countActivePlayers(board.id, context.sql)).toBe(2);
        expect(await node.boards.findActivePlayer(board.id, second.id, context.sql)).toMatchObject({ score: 0 });
        // Asked together: one statement answers each.
        const found = await Promise.all([
          node.boards.findBoardWithPlayer(context, board.id, first.id),
          node.boards.findBoardWithPlayer(context, board.id, 'nobody'),
          node.boards.findBoardWithPlayer(context, 'nowhere', first.id),
          node.boards.findBoardWithPlayer(context, board.id, second.id),
        ]);
        expect(found).toEqual([
          { board, player: { id: first.id, boardId: board.id, name: 'one', userId: bob.id, score: 0 } },
          { board, player: null },
          null,
          { board, player: { id: second.id, boardId: board.id, name: 'two', userId: null, score: 0 } },
        ]);
        expect(await node.boards.findBoardWithPlayer(context, board.id, 'nobody')).toEqual({ board, player: null });
      });
      const scored = await node.units.write((context) =>
        node.boards.addScore(context, {
          boardId: board.id,
          round: 1,
          playerId: second.id,
          delta: 5,
          userId: ann.id,
          opId: timeOrderedId(),
        }),
      );
      expect(scored).toMatchObject({ seq: 3, player: { id: second.id, score: 5, rank: 1 } });
      await node.units.write(async (context) => {
        expect(
          await node.boards.renamePlayer(context, { boardId: board.id, playerId: first.id, name: 'uno' }),
        ).toMatchObject({ name: 'uno', rank: 2 });
      });
      const read = await node.boards.readBoard(board.id);
      expect(read).toMatchObject({
        seq: 4,
        players: [
          { name: 'two', rank: 1 },
          { name: 'uno', rank: 2 },
        ],
      });
      const next = await node.units.write((context) => node.boards.resetBoard(context, board));
      expect(next.round).toBe(2);
      expect(await node.boards.readState(board.id)).toMatchObject({ round: 2, players: [{ score: 0 }, { score: 0 }] });
      expect(await node.boards.history(board.id, 5)).toMatchObject([
        {
          round: 1,
          standings: [
            { name: 'two', score: 5 },
            { name: 'uno', score: 0 },
          ],
        },
      ]);
      await node.units.write((context) => node.boards.removePlayer(context, { boardId: board.id, playerId: first.id }));
      expect((await node.boards.readState(board.id))!.players).toHaveLength(1);
      const visible = await node.boards.boardList(await node.spaces.visibleTo(SpaceKinds.board, bob.id));
      expect(visible.find((entry) => entry.id === board.id)).toMatchObject({ playerCount: 1, inviteCode: 'code' });
      expect(await node.boards.boardList([])).toEqual([]);
      // The rank comes with the addition: the player's own score before it is not counted above it.
      await node.units.write((context) => node.boards.addPlayer(context, { boardId: board.id, name: 'three' }));
      const lowered = await node.units.write((context) =>
        node.boards.addScore(context, {
          boardId: board.id,
          round: 2,
          playerId: second.id,
          delta: -3,
          userId: ann.id,
          opId: timeOrderedId(),
        }),
      );
      expect(lowered?.player).toMatchObject({ id: second.id, score: -3, rank: 2 });
    });

    it('records a batch’s score events with its commit, in seq order, and shows them to a later work of the batch', async () => {
      const space = await publicSpace(SpaceKinds.board, 'events');
      const player = await node.units.write((context) =>
        node.boards.addPlayer(context, { boardId: space.id, name: 'p' }),
      );
      const add = (user: User, delta: number) =>
        node.units.write((context) =>
          node.boards.addScore(context, {
            boardId: space.id,
            round: 1,
            playerId: player.id,
            delta,
            userId: user.id,
            opId: timeOrderedId(),
          }),
        );
      const [, , seen] = await Promise.all([
        add(ann, 1),
        add(bob, 2),
        node.units.write(async (context) => {
          // The batch's events are written before its commit, or before a statement that reads them.
          const rows = await context.sql.all(
            context.sql.db.selectFrom('ScoreEvent').select('delta').where('playerId', '=', player.id).orderBy('id'),
          );
          return {
            deltas: rows.map((row) => row.delta),
            last: await node.boards.lastScoreChange(player.id, context.sql),
          };
        }),
        add(ann, 3),
      ]);
      expect(seen).toEqual({ deltas: [1, 2], last: { round: 1, by: bob } });
      expect(await node.boards.lastScoreChange(player.id, node.database.reader)).toEqual({ round: 1, by: ann });
      const events = await node.database.reader.all(
        node.database.reader.db
          .selectFrom('ScoreEvent')
          .select(['delta', 'userId'])
          .where('playerId', '=', player.id)
          .orderBy('id'),
      );
      expect(events).toEqual([
        { delta: 1, userId: ann.id },
        { delta: 2, userId: bob.id },
        { delta: 3, userId: ann.id },
      ]);
    });
  });

  describe('lists', () => {
    /** A public list of ann's with one item of hers, at 'a0'. */
    const listWithItem = async (name: string, text: string) => {
      const list = await publicSpace(SpaceKinds.list, name);
      const item = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text, user: ann }),
      );
      return { list, item };
    };

    it('creates a list and items, writes them at the version read, and refuses a stale write', async () => {
      const { list, item } = await listWithItem('food', 'milk');
      expect(item).toMatchObject({ version: 1, done: false, createdBy: ann });
      const state = (await node.lists.itemState(item.id))!;
      const updated = await node.units.write((context) =>
        node.lists.writeItemIfCurrent(context, {
          state,
          changes: { done: true, text: 'oat milk' },
          user: bob,
          event: ListsBroadcast.ItemUpdated,
        }),
      );
      expect(updated).toMatchObject({ version: 2, done: true, text: 'oat milk', updatedBy: bob });
      expect(await node.lists.findItem(item.id)).toEqual(updated);
      const stale = await node.units.write((context) =>
        node.lists.writeItemIfCurrent(context, {
          state,
          changes: { text: 'lost' },
          user: ann,
          event: ListsBroadcast.ItemUpdated,
        }),
      );
      expect(stale).toBeNull();
      const deleted = await node.units.write(async (context) =>
        node.lists.writeItemIfCurrent(context, {
          state: (await node.lists.itemState(item.id, context.sql))!,
          changes: { deleted: true },
          user: ann,
          event: ListsBroadcast.ItemDeleted,
        }),
      );
      expect(deleted).toMatchObject({ version: 3, deletedAt: expect.any(String) });
      expect(await node.lists.liveItems(list.id)).toEqual([]);
      await node.units.write(async (context) => {
        expect(await node.lists.nearestKey(list.id, 'before', null, '', context.sql)).toBeNull();
      });
      expect((await node.spaces.changesSince(SpaceKinds.list, list.id, 0, 10)).map((change) => change.event)).toEqual([
        ListsBroadcast.ItemCreated,
        ListsBroadcast.ItemUpdated,
        ListsBroadcast.ItemDeleted,
      ]);
    });

    it("reads an item with its list's state for the user who writes: deleted or not, member or not", async () => {
      const { list, item } = await listWithItem('errands', 'stamps');
      const read = (itemId: string, user: User) =>
        node.units.write((context) => node.lists.itemForWrite(itemId, user.id, context));
      const byAnn = await read(item.id, ann);
      expect(byAnn).toMatchObject({
        state: { listId: list.id, version: 1, position: 'a0', deleted: false },
        list: { deleted: false, member: true },
      });
      expect(await node.units.write((context) => node.lists.asItem(byAnn!.state.stored, context.sql))).toEqual(item);
      expect(await read(item.id, bob)).toMatchObject({ list: { deleted: false, member: false } });
      expect(await read(timeOrderedId(), ann)).toBeNull();
      // Asked together in one transaction: one statement answers each asker apart.
      const together = await node.units.write((context) =>
        Promise.all([
          node.lists.itemForWrite(item.id, bob.id, context),
          node.lists.itemForWrite(item.id, ann.id, context),
          node.lists.itemForWrite(timeOrderedId(), ann.id, context),
        ]),
      );
      expect(together.map((found) => found?.list.member ?? null)).toEqual([false, true, null]);
      await node.units.write((context) => node.spaces.markDeleted(SpaceKinds.list, context, list.id));
      expect(await read(item.id, ann)).toMatchObject({ list: { deleted: true, member: true } });
    });

    it('reads a list with its seq, its live items in order and whether the user is a member, in one read', async () => {
      const { list, item } = await listWithItem('camping', 'tent');
      const second = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'stove', user: ann }),
      );
      const gone = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'rope', user: ann }),
      );
      await node.units.write(async (context) =>
        node.lists.writeItemIfCurrent(context, {
          state: (await node.lists.itemState(gone.id, context.sql))!,
          changes: { deleted: true },
          user: ann,
          event: ListsBroadcast.ItemDeleted,
        }),
      );
      const record = await node.spaces.find(SpaceKinds.list, list.id);
      expect(await node.lists.listWithItems(list.id, ann.id)).toEqual({
        record,
        member: true,
        seq: 4,
        items: [item, second],
      });
      expect(await node.lists.listWithItems(list.id, bob.id)).toMatchObject({ member: false, seq: 4 });
      const empty = await publicSpace(SpaceKinds.list, 'empty');
      expect(await node.lists.listWithItems(empty.id, ann.id)).toEqual({
        record: await node.spaces.find(SpaceKinds.list, empty.id),
        member: true,
        seq: 0,
        items: [],
      });
      expect(await node.lists.listWithItems(timeOrderedId(), ann.id)).toBeNull();
    });

    it('reads items as their transaction sees them, the works that ask together in one statement', async () => {
      const { list, item } = await listWithItem('garden', 'seeds');
      const other = await node.units.write((context) =>
        node.lists.createItem(context, { listId: list.id, text: 'soil', user: ann }),
      );
      const found = await node.units.write(async (context) => {
        await node.lists.writeItemIfCurrent(context, {
          state: (await node.lists.itemState(item.id, context.sql))!,
          changes: { done: true },
          user: bob,
          event: ListsBroadcast.ItemUpdated,
        });
        return Promise.all([
          node.lists.currentItem(item.id, context),
          node.lists.currentItem(timeOrderedId(), context),
          node.lists.currentItem(other.id, context),
          node.lists.currentItem(item.id, context),
        ]);
      });
      const written = await node.lists.findItem(item.id);
      expect(written).toMatchObject({ version: 2, done: true, updatedBy: bob });
      expect(found).toEqual([written, null, other, written]);
    });

    it('logs a rename and a delete of a list', async () => {
      const list = await node.units.write((context) =>
        node.spaces.create(SpaceKinds.list, context, {
          name: 'todo',
          visibility: 'private',
          inviteCode: 'code',
          ownerId: ann.id,
        }),
      );
      const renamed = await node.units.write(async (context) =>
        node.lists.appendListUpdated(context, await node.spaces.rename(SpaceKinds.list, context, list, 'chores')),
      );
      expect(renamed).toMatchObject({ title: 'chores', seq: 1, inviteCode: 'code' });
      await node.units.write((context) => node.lists.appendListDeleted(context, list.id));
      expect((await node.spaces.changesSince(SpaceKinds.list, list.id, 0, 10)).map((change) => change.event)).toEqual([
        ListsBroadcast.ListUpdated,
        ListsBroadcast.ListDeleted,
      ]);
    });
  });
}
