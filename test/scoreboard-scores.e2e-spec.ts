import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ScoreboardBroadcast, ScoreboardCommand, ScoreboardLimits, type BoardState } from '@tandem/contract';
import { command, commandOk, eventually, record } from './support/clients.js';
import { addPlayer, addScore, createBoard, join, quiet, scoreboardSuite, sendAll } from './support/scoreboard.js';

describe('scoreboard', () => {
  const { server, eventSum, twoOnABoard } = scoreboardSuite();

  // ---- scores -------------------------------------------------------------------------------

  describe('scores', () => {
    it('adds a delta, acks the player with its rank, broadcasts, and logs who did it', async () => {
      const { owner, guest, board, guestSession } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'Ada');
      const other = await addPlayer(owner, board.id, 'Bo');
      await addScore(owner, board.id, other.id, 10);
      await quiet();
      const heard = record<BoardState>(owner, ScoreboardBroadcast.BoardState);
      const opId = randomUUID();

      const { player: changed, seq } = await addScore(guest, board.id, player.id, 25, opId);
      expect(changed).toEqual({ id: player.id, name: 'Ada', score: 25, rank: 1 });
      expect(seq).toBe(4);
      await eventually(() => heard.length > 0, 'board:state');
      expect(heard.at(-1)).toEqual({
        boardId: board.id,
        seq: 4,
        round: 1,
        players: [
          { id: player.id, name: 'Ada', score: 25, rank: 1 },
          { id: other.id, name: 'Bo', score: 10, rank: 2 },
        ],
      });
      expect(server.db.prepare('SELECT score FROM Player WHERE id = ?').get(player.id)).toEqual({ score: 25 });
      expect(
        server.db.prepare('SELECT userId, delta, round, opId FROM ScoreEvent WHERE playerId = ?').all(player.id),
      ).toEqual([{ userId: guestSession.user.id, delta: 25, round: 1, opId }]);

      const { player: lower } = await addScore(guest, board.id, player.id, -40);
      expect(lower).toMatchObject({ score: -15, rank: 2 });
      expect(eventSum(player.id)).toBe(-15);
    });

    it('ranks ties together (1, 2, 2, 4), ordered inside a tie by who reached the score first', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const [a, b, c, d] = [
        await addPlayer(owner, board.id, 'A'),
        await addPlayer(owner, board.id, 'B'),
        await addPlayer(owner, board.id, 'C'),
        await addPlayer(owner, board.id, 'D'),
      ];
      await addScore(owner, board.id, a.id, 10);
      await addScore(owner, board.id, c.id, 5); // C reaches 5 before B
      await addScore(owner, board.id, b.id, 7);
      const { player: bAtFive } = await addScore(owner, board.id, b.id, -2);
      expect(bAtFive).toMatchObject({ score: 5, rank: 2 });
      await addScore(owner, board.id, d.id, 1);

      const joined = await join(guest, board.id);
      expect(joined.players.map((player) => [player.name, player.score, player.rank])).toEqual([
        ['A', 10, 1],
        ['C', 5, 2],
        ['B', 5, 2],
        ['D', 1, 4],
      ]);

      // Three-way tie at the top, again in the order the score was reached.
      await addScore(owner, board.id, b.id, 5);
      await addScore(owner, board.id, c.id, 5);
      const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);
      await addScore(owner, board.id, d.id, -1);
      await eventually(() => heard.at(-1)?.seq === joined.seq + 3, 'the last state');
      expect(heard.at(-1)?.players.map((player) => [player.name, player.score, player.rank])).toEqual([
        ['A', 10, 1],
        ['B', 10, 1],
        ['C', 10, 1],
        ['D', 0, 4],
      ]);
    });

    it('applies a repeated opId once, answering the first result', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'Once');
      await quiet();
      const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);
      const opId = randomUUID();

      const [first, second] = await Promise.all([
        addScore(owner, board.id, player.id, 7, opId),
        addScore(owner, board.id, player.id, 7, opId),
      ]);
      const third = await addScore(owner, board.id, player.id, 7, opId);
      expect(second).toEqual(first);
      expect(third).toEqual(first);
      expect(first.player.score).toBe(7);
      await quiet();
      expect(heard.at(-1)?.players[0].score).toBe(7);
      expect(server.db.prepare('SELECT score FROM Player WHERE id = ?').get(player.id)).toEqual({ score: 7 });
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM ScoreEvent WHERE opId = ?').get(opId)).toEqual({ n: 1 });

      // The same opId for another command is a conflict, and writes nothing.
      const before = server.tableCounts();
      expect(await command(owner, ScoreboardCommand.PlayerAdd, { opId, boardId: board.id, name: 'x' })).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT' },
      });
      expect(server.tableCounts()).toEqual(before);
    });

    it('answers NOT_FOUND for an unknown, removed or foreign player, writing and broadcasting nothing', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const elsewhere = await createBoard(owner);
      const foreign = await addPlayer(owner, elsewhere.id, 'Foreign');
      const removed = await addPlayer(owner, board.id, 'Removed');
      await commandOk(owner, ScoreboardCommand.PlayerRemove, {
        opId: randomUUID(),
        boardId: board.id,
        playerId: removed.id,
      });
      await quiet();
      const heard = record(guest, ScoreboardBroadcast.BoardState);
      const before = server.tableCounts();
      for (const playerId of [randomUUID(), removed.id, foreign.id]) {
        expect(
          await command(owner, ScoreboardCommand.ScoreAdd, {
            opId: randomUUID(),
            boardId: board.id,
            playerId,
            delta: 1,
          }),
        ).toMatchObject({
          ok: false,
          error: { code: 'NOT_FOUND' },
        });
      }
      expect(
        await command(owner, ScoreboardCommand.ScoreAdd, {
          opId: randomUUID(),
          boardId: randomUUID(),
          playerId: foreign.id,
          delta: 1,
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      await quiet();
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
    });

    it('refuses a change that would take a score past ±1,000,000,000, writing nothing', async () => {
      const { owner, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'Max');
      const acks = await sendAll(
        owner,
        Array.from({ length: ScoreboardLimits.maxScore / ScoreboardLimits.maxDelta }, () => ({
          opId: randomUUID(),
          boardId: board.id,
          playerId: player.id,
          delta: ScoreboardLimits.maxDelta,
        })),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
      await quiet();
      const before = server.tableCounts();
      expect(
        await command(owner, ScoreboardCommand.ScoreAdd, {
          opId: randomUUID(),
          boardId: board.id,
          playerId: player.id,
          delta: 1,
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'CONFLICT' },
      });
      expect(server.tableCounts()).toEqual(before);
      expect(server.db.prepare('SELECT score FROM Player WHERE id = ?').get(player.id)).toEqual({
        score: ScoreboardLimits.maxScore,
      });
    });
  });
});
