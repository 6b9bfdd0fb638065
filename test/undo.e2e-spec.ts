import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from '@jest/globals';
import { MemoryOutboxStorage, Session, type TandemClient } from '@tandem/client';
import {
  ErrorCode,
  ListsCommand,
  ScoreboardCommand,
  type Item,
  type ListsCommandResults,
  type Player,
  type ScoreConflictDetails,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import { command, commandOk, listsClient, scoreboardClient, settle, type ScoreboardClient } from './support/clients.js';
import { startClientFor, stopClients, until } from './support/client-core.js';
import { serverForSuite } from './support/server.js';

type Results = ScoreboardCommandResults;

/** A client of the core for a new user, with the notices it shows. */
async function clientOf(url: string, name: string): Promise<{ client: TandemClient; notices: string[] }> {
  const notices: string[] = [];
  const session = new Session(url);
  if (!(await session.signIn(name))) throw new Error('sign-in failed');
  const client = await startClientFor(url, session, new MemoryOutboxStorage(), (notice) => notices.push(notice.text));
  return { client, notices };
}

describe('undo and redo', () => {
  const server = serverForSuite();
  afterEach(() => stopClients());

  describe('score:add with an expected score (the protocol)', () => {
    async function boardWithPlayer(socket: ScoreboardClient): Promise<{ boardId: string; player: Player }> {
      const { board } = await commandOk<Results['board:create']>(socket, ScoreboardCommand.BoardCreate, {
        name: `Quiz ${randomUUID().slice(0, 6)}`,
      });
      await commandOk(socket, ScoreboardCommand.BoardJoin, { boardId: board.id });
      const { player } = await commandOk<Results['player:add']>(socket, ScoreboardCommand.PlayerAdd, {
        opId: randomUUID(),
        boardId: board.id,
        name: 'Team A',
      });
      return { boardId: board.id, player };
    }

    const add = (socket: ScoreboardClient, boardId: string, playerId: string, delta: number, extra = {}) =>
      command<Results['score:add']>(socket, ScoreboardCommand.ScoreAdd, {
        opId: randomUUID(),
        boardId,
        playerId,
        delta,
        ...extra,
      });

    async function scoreOf(socket: ScoreboardClient, boardId: string, playerId: string): Promise<number> {
      const { board } = await commandOk<Results['board:join']>(socket, ScoreboardCommand.BoardJoin, { boardId });
      return board.players.find((player) => player.id === playerId)!.score;
    }

    it('applies an undo while the score is the expected one, and answers the round it counts in', async () => {
      const { socket: ada } = await scoreboardClient(server.url, 'ada');
      const { boardId, player } = await boardWithPlayer(ada);
      const added = await add(ada, boardId, player.id, 5);
      expect(added).toEqual({ ok: true, data: expect.objectContaining({ round: 1 }) });
      const undone = await add(ada, boardId, player.id, -5, { expected: { round: 1, score: 5 } });
      expect(undone).toEqual({
        ok: true,
        data: expect.objectContaining({ player: expect.objectContaining({ score: 0 }) }),
      });
      expect(await scoreOf(ada, boardId, player.id)).toBe(0);
    });

    it('answers CONFLICT naming who changed the score since, and adds nothing', async () => {
      const { socket: ada } = await scoreboardClient(server.url, 'ada');
      const { socket: bob, session: bobSession } = await scoreboardClient(server.url, 'bob');
      const { boardId, player } = await boardWithPlayer(ada);
      await commandOk(bob, ScoreboardCommand.BoardJoin, { boardId });
      expect((await add(ada, boardId, player.id, 5)).ok).toBe(true);
      expect((await add(bob, boardId, player.id, 2)).ok).toBe(true);
      const undo = await add(ada, boardId, player.id, -5, { expected: { round: 1, score: 5 } });
      expect(undo).toEqual({
        ok: false,
        error: {
          code: ErrorCode.Conflict,
          message: "Team A's score was changed by bob: it is 7 now",
          details: {
            current: expect.objectContaining({ id: player.id, score: 7 }),
            round: 1,
            changedBy: bobSession.user,
          } satisfies Record<keyof ScoreConflictDetails, unknown>,
        },
      });
      expect(await scoreOf(ada, boardId, player.id)).toBe(7);
    });

    it('answers CONFLICT after a reset, even at the same score', async () => {
      const { socket: ada } = await scoreboardClient(server.url, 'ada');
      const { boardId, player } = await boardWithPlayer(ada);
      await commandOk(ada, ScoreboardCommand.BoardReset, { opId: randomUUID(), boardId });
      const undo = await add(ada, boardId, player.id, 3, { expected: { round: 1, score: 0 } });
      expect(undo).toEqual({
        ok: false,
        error: expect.objectContaining({
          code: ErrorCode.Conflict,
          message: 'the board was reset: round 2 is being played',
          details: { current: expect.objectContaining({ score: 0 }), round: 2 },
        }),
      });
      expect(await scoreOf(ada, boardId, player.id)).toBe(0);
    });

    it.each([
      ['a score that is not a number', { round: 1, score: '5' }],
      ['a round below 1', { round: 0, score: 5 }],
      ['a fractional score', { round: 1, score: 1.5 }],
      ['a score past the limit', { round: 1, score: 2_000_000_000 }],
      ['a missing round', { score: 5 }],
      ['an unknown field', { round: 1, score: 5, version: 2 }],
      ['not an object', 5],
    ])('refuses %s in `expected` with VALIDATION, adding nothing', async (_what, expected) => {
      const { socket: ada } = await scoreboardClient(server.url, 'ada');
      const { boardId, player } = await boardWithPlayer(ada);
      const refused = await add(ada, boardId, player.id, 5, { expected });
      expect(refused).toEqual({ ok: false, error: expect.objectContaining({ code: ErrorCode.Validation }) });
      expect(await scoreOf(ada, boardId, player.id)).toBe(0);
    });

    it('refuses a stale or malformed item version with CONFLICT or VALIDATION, writing nothing', async () => {
      const { socket: ada } = await listsClient(server.url, 'ada');
      const { list } = await commandOk<ListsCommandResults['list:create']>(ada, ListsCommand.ListCreate, {
        title: 'L',
      });
      await commandOk(ada, ListsCommand.ListJoin, { listId: list.id });
      const { item } = await commandOk<{ item: Item }>(ada, ListsCommand.ItemCreate, {
        opId: randomUUID(),
        listId: list.id,
        text: 'milk',
      });
      const update = (version: unknown) =>
        command(ada, ListsCommand.ItemUpdate, { opId: randomUUID(), itemId: item.id, version, patch: { done: true } });
      for (const version of [0, '1', 1.5, null]) {
        expect(await update(version)).toEqual({
          ok: false,
          error: expect.objectContaining({ code: ErrorCode.Validation }),
        });
      }
      expect(await update(2)).toEqual({ ok: false, error: expect.objectContaining({ code: ErrorCode.Conflict }) });
      const { items } = await commandOk<ListsCommandResults['list:join']>(ada, ListsCommand.ListJoin, {
        listId: list.id,
      }).then((joined) => joined as { items: Item[] });
      expect(items).toEqual([expect.objectContaining({ id: item.id, version: 1, done: false })]);
    });
  });

  describe('the client core', () => {
    /** The open list's items as the server stores them, read by another user's socket. */
    async function stored(listId: string): Promise<Pick<Item, 'text' | 'done'>[]> {
      const { socket } = await listsClient(server.url, 'reader');
      const joined = await commandOk<{ items: Item[] }>(socket, ListsCommand.ListJoin, { listId });
      socket.close();
      return joined.items.map(({ text, done }) => ({ text, done }));
    }

    it('undoes and redoes a list edit, a tick, a move and a delete, in order', async () => {
      const { client: ada, notices } = await clientOf(server.url, 'Ada');
      const { lists } = ada;
      expect(await lists.catalog.create(`Groceries ${randomUUID().slice(0, 6)}`, false)).toBe(true);
      const listId = lists.state.get().currentListId!;
      lists.items.add('milk');
      lists.items.add('eggs');
      await ada.drained();
      const item = (text: string) => lists.shown().find((shown) => shown.text === text)!;
      lists.items.editText(item('milk'), 'oat milk');
      await ada.drained();
      lists.items.setDone(item('oat milk'), true);
      await ada.drained();
      lists.items.moveBy(item('eggs'), -1);
      await ada.drained();
      lists.items.remove(item('oat milk'));
      await ada.drained();
      expect(await stored(listId)).toEqual([{ text: 'eggs', done: false }]);
      expect(lists.undoable.offers()).toEqual({ undo: 'deleting “oat milk”', redo: null, busy: false });

      const steps: Pick<Item, 'text' | 'done'>[][] = [];
      for (let undo = 0; undo < 4; undo++) {
        expect(lists.undoable.take('undo')).toBe(true);
        await ada.drained();
        steps.push(await stored(listId));
      }
      expect(steps).toEqual([
        [
          { text: 'eggs', done: false },
          { text: 'oat milk', done: true },
        ],
        [
          { text: 'oat milk', done: true },
          { text: 'eggs', done: false },
        ],
        [
          { text: 'oat milk', done: false },
          { text: 'eggs', done: false },
        ],
        [
          { text: 'milk', done: false },
          { text: 'eggs', done: false },
        ],
      ]);
      expect(lists.undoable.offers().redo).toBe('the edit of “milk”');
      for (let redo = 0; redo < 4; redo++) {
        expect(lists.undoable.take('redo')).toBe(true);
        await ada.drained();
      }
      expect(lists.undoable.take('redo')).toBe(false);
      expect(await stored(listId)).toEqual([{ text: 'eggs', done: false }]);
      expect(notices).toEqual([]);
    });

    it("refuses to undo over somebody else's change: CONFLICT, said clearly, nothing undone", async () => {
      const { client: ada, notices } = await clientOf(server.url, 'Ada');
      const { client: bob } = await clientOf(server.url, 'Bob');
      expect(await ada.lists.catalog.create(`Chores ${randomUUID().slice(0, 6)}`, false)).toBe(true);
      const listId = ada.lists.state.get().currentListId!;
      ada.lists.items.add('dishes');
      await ada.drained();
      ada.lists.items.setDone(ada.lists.shown()[0], true);
      await ada.drained();
      expect(await bob.lists.open(listId)).toBe(true);
      bob.lists.items.editText(bob.lists.shown()[0], 'dishes and pans');
      await bob.drained();
      await until(ada.lists.state, (state) => state.confirmed[ada.lists.shown()[0].id]?.version === 3, "bob's edit");
      expect(ada.lists.undoable.take('undo')).toBe(true);
      await ada.drained();
      expect(notices).toEqual(['Bob changed “dishes and pans” since; nothing was undone.']);
      expect(await stored(listId)).toEqual([{ text: 'dishes and pans', done: true }]);
      // The refused step is gone: the next undo is the one before it (the add), against a new version: refused too.
      expect(ada.lists.undoable.offers()).toEqual({ undo: 'adding “dishes”', redo: null, busy: false });
    });

    it('undoes and redoes a score, and refuses an undo after somebody else scored', async () => {
      const { client: ada, notices } = await clientOf(server.url, 'Ada');
      const { client: bob } = await clientOf(server.url, 'Bob');
      const { scoreboard } = ada;
      expect(await scoreboard.createBoard(`Quiz ${randomUUID().slice(0, 6)}`, false)).toBe(true);
      expect(await scoreboard.players.add('Team A')).toBe(true);
      const board = (await until(scoreboard.state, (state) => state.board?.players.length === 1, 'a player')).board!;
      const playerId = board.players[0].id;
      const scoreNow = () => until(scoreboard.state, () => true, 'the state').then(() => scoreboard.ranked()[0].score);
      scoreboard.addScore(playerId, 5);
      scoreboard.addScore(playerId, 3);
      await ada.drained();
      expect(scoreboard.undoable.offers()).toEqual({ undo: '+3 to Team A', redo: null, busy: false });
      // Two presses in a row: the second waits for the first one's answer, then follows it.
      expect(scoreboard.undoable.take('undo')).toBe(true);
      expect(scoreboard.undoable.take('undo')).toBe(true);
      expect(scoreboard.undoable.take('undo')).toBe(false);
      await until(scoreboard.state, (state) => state.undoHistory.undone.length === 2, 'both undone');
      await ada.drained();
      await until(scoreboard.state, (state) => state.board?.players[0].score === 0, 'both undone');
      expect(scoreboard.undoable.take('redo')).toBe(true);
      await ada.drained();
      await until(scoreboard.state, (state) => state.board?.players[0].score === 5, '+5 redone');
      expect(await scoreNow()).toBe(5);

      expect(await bob.scoreboard.open(board.id)).toBe(true);
      bob.scoreboard.addScore(playerId, 10);
      await bob.drained();
      await until(scoreboard.state, (state) => state.board?.players[0].score === 15, "bob's +10");
      expect(scoreboard.undoable.take('undo')).toBe(true);
      await ada.drained();
      await settle();
      expect(notices).toEqual(["Bob changed Team A's score since; nothing was undone."]);
      expect(await scoreNow()).toBe(15);
      expect(scoreboard.undoable.offers()).toEqual({ undo: null, redo: '+3 to Team A', busy: false });
    });
  });
});
