import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ScoreboardBroadcast, ScoreboardCommand } from '@tandem/contract';
import type { BoardState, ScoreboardCommandResults } from '@tandem/contract';
import { command, commandOk, eventually, record } from './support/clients.js';
import { addPlayer, addScore, quiet, scoreboardSuite } from './support/scoreboard.js';

describe('scoreboard', () => {
  const { server, stored, twoOnABoard } = scoreboardSuite();

  // ---- rounds -------------------------------------------------------------------------------

  describe('rounds', () => {
    it('lets the owner reset: the round is archived with its standings and the next starts at zero', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const winner = await addPlayer(owner, board.id, 'Winner');
      const runnerUp = await addPlayer(owner, board.id, 'Runner-up');
      await addScore(guest, board.id, winner.id, 9);
      await addScore(guest, board.id, runnerUp.id, 4);
      await quiet();
      const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);

      const { board: next } = await commandOk<ScoreboardCommandResults['board:reset']>(
        owner,
        ScoreboardCommand.BoardReset,
        {
          opId: randomUUID(),
          boardId: board.id,
        },
      );
      expect(next).toMatchObject({ id: board.id, round: 2, seq: 5 });
      expect(next.players).toEqual([
        { id: winner.id, name: 'Winner', score: 0, rank: 1 },
        { id: runnerUp.id, name: 'Runner-up', score: 0, rank: 1 },
      ]);
      await eventually(() => heard.length > 0, 'board:state after the reset');
      expect(heard.at(-1)).toEqual({ boardId: board.id, seq: 5, round: 2, players: next.players });
      expect(stored(board.id)).toMatchObject({ round: 2, seq: 5 });

      const standings = [
        { id: winner.id, name: 'Winner', score: 9, rank: 1 },
        { id: runnerUp.id, name: 'Runner-up', score: 4, rank: 2 },
      ];
      const { rounds } = await commandOk<ScoreboardCommandResults['board:history']>(
        guest,
        ScoreboardCommand.BoardHistory,
        {
          boardId: board.id,
        },
      );
      expect(rounds).toEqual([{ round: 1, archivedAt: expect.any(String), standings }]);

      // Scores of the new round are logged as round 2; the archive stays as it was.
      await addScore(guest, board.id, runnerUp.id, 1);
      expect(
        server.db.prepare('SELECT round FROM ScoreEvent WHERE playerId = ? ORDER BY id DESC LIMIT 1').get(runnerUp.id),
      ).toEqual({ round: 2 });
      await commandOk(owner, ScoreboardCommand.BoardReset, { opId: randomUUID(), boardId: board.id });
      const later = await commandOk<ScoreboardCommandResults['board:history']>(guest, ScoreboardCommand.BoardHistory, {
        boardId: board.id,
      });
      expect(later.rounds.map((round) => round.round)).toEqual([2, 1]);
      expect(later.rounds[0].standings.map((player) => [player.name, player.score, player.rank])).toEqual([
        ['Runner-up', 1, 1],
        ['Winner', 0, 2],
      ]);
      expect(later.rounds[1].standings).toEqual(standings);
    });

    it('archives ties by who reached the score first, and starts the next round in the order the players joined', async () => {
      const { owner, guest, guestSession, board } = await twoOnABoard();
      const ann = await addPlayer(owner, board.id, 'Ann');
      const bob = await addPlayer(owner, board.id, 'Bob', { userId: guestSession.user.id });
      const cid = await addPlayer(owner, board.id, 'Cid');
      // Cid reaches 5 before Ann, who joined first.
      for (const [player, delta] of [
        [cid, 5],
        [ann, 5],
        [bob, 2],
      ] as const)
        await addScore(guest, board.id, player.id, delta);
      await quiet();
      const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);
      const reset = { opId: randomUUID(), boardId: board.id };
      const { board: next } = await commandOk<ScoreboardCommandResults['board:reset']>(
        owner,
        ScoreboardCommand.BoardReset,
        reset,
      );
      expect(next.players.map((player) => player.name)).toEqual(['Ann', 'Bob', 'Cid']);
      expect(next.players[1]).toEqual({ id: bob.id, name: 'Bob', score: 0, rank: 1, userId: guestSession.user.id });
      const { rounds } = await commandOk<ScoreboardCommandResults['board:history']>(
        guest,
        ScoreboardCommand.BoardHistory,
        {
          boardId: board.id,
        },
      );
      expect(rounds[0].standings).toEqual([
        { id: cid.id, name: 'Cid', score: 5, rank: 1 },
        { id: ann.id, name: 'Ann', score: 5, rank: 1 },
        { id: bob.id, name: 'Bob', score: 2, rank: 3, userId: guestSession.user.id },
      ]);

      // The next round's ranking follows its changes: Cid and Bob at 1 (Cid first), Ann behind.
      await addScore(guest, board.id, cid.id, 1);
      const { player } = await addScore(guest, board.id, bob.id, 1);
      expect(player).toMatchObject({ name: 'Bob', score: 1, rank: 1 });
      await quiet();
      const last = heard.at(-1)!;
      expect(last.players.map((ranked) => [ranked.name, ranked.score, ranked.rank])).toEqual([
        ['Cid', 1, 1],
        ['Bob', 1, 1],
        ['Ann', 0, 3],
      ]);
      expect(stored(board.id)).toMatchObject({
        seq: last.seq,
        players: last.players.map(({ id, name, score }) => ({ id, name, score })),
      });
    });

    it('answers FORBIDDEN to a reset by anyone but the owner, writing and broadcasting nothing', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'Kept');
      await addScore(guest, board.id, player.id, 3);
      await quiet();
      const heard = record(owner, ScoreboardBroadcast.BoardState);
      const before = server.tableCounts();
      expect(
        await command(guest, ScoreboardCommand.BoardReset, { opId: randomUUID(), boardId: board.id }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await quiet();
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
      expect(stored(board.id)).toMatchObject({ round: 1, players: [{ id: player.id, score: 3 }] });
    });
  });
});
