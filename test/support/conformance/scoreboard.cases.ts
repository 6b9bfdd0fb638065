import { describe, expect, it } from '@jest/globals';
import { ErrorCode, ScoreboardLimits, timeOrderedId, type User } from '@tandem/contract';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { SpaceKind } from '../../../apps/api/src/spaces/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { publicSpace as publicSpaceOf, twoUsers } from './two-users.js';

/** Every query of the scoreboard's repositories, on every database. */
export function scoreboardCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  let bob: User;
  twoUsers(open, (world) => ({ node, ann, bob } = world));

  const publicSpace = (kind: SpaceKind, name: string) => publicSpaceOf(node, kind, name, ann);

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
      expect(next.record.round).toBe(2);
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
      // A board at its most players refuses one more, having written nothing.
      const setPlayerCount = (playerCount: number) =>
        node.units.write(({ sql }) =>
          sql.run(sql.db.updateTable('Board').set({ playerCount }).where('id', '=', board.id)),
        );
      await setPlayerCount(ScoreboardLimits.playersPerBoard);
      await expect(
        node.units.write((context) => node.boards.addPlayer(context, { boardId: board.id, name: 'over' })),
      ).rejects.toMatchObject({ code: ErrorCode.Conflict });
      expect((await node.boards.readState(board.id))!.players).toHaveLength(1);
      await setPlayerCount(1);
      // The rank comes with the addition: the player's own score before it is not counted above it.
      const three = await node.units.write((context) =>
        node.boards.addPlayer(context, { boardId: board.id, name: 'three' }),
      );
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
      // A new player's rank comes with its insert: behind those above 0, ahead of those below.
      await node.units.write((context) =>
        node.boards.addScore(context, {
          boardId: board.id,
          round: 2,
          playerId: three.id,
          delta: 2,
          userId: ann.id,
          opId: timeOrderedId(),
        }),
      );
      const four = await node.units.write((context) =>
        node.boards.addPlayer(context, { boardId: board.id, name: 'four' }),
      );
      expect(four).toMatchObject({ score: 0, rank: 2 });
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
}
