import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { ScoreboardBroadcast, ScoreboardCommand, ScoreboardLimits } from '@tandem/contract';
import type { BoardState, ScoreboardCommandResults } from '@tandem/contract';
import { command, commandOk, eventually, record } from './support/clients.js';
import { addPlayer, quiet, scoreboardSuite } from './support/scoreboard.js';

describe('scoreboard', () => {
  const { server, twoOnABoard } = scoreboardSuite();

  // ---- players ------------------------------------------------------------------------------

  describe('players', () => {
    it('adds a player and sends the ranked state to everyone on the board', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);
      const player = await addPlayer(owner, board.id, '  Zoe  ');
      expect(player).toEqual({ id: expect.any(String), name: 'Zoe', score: 0, rank: 1 });
      await eventually(() => heard.length > 0, 'board:state');
      expect(heard.at(-1)).toEqual({ boardId: board.id, seq: 1, round: 1, players: [player] });
      expect(server.db.prepare('SELECT name, score, boardId FROM Player WHERE id = ?').get(player.id)).toEqual({
        name: 'Zoe',
        score: 0,
        boardId: board.id,
      });
    });

    it('links a player to a user once, refusing an unknown user', async () => {
      const { owner, board, guestSession } = await twoOnABoard();
      const linked = await addPlayer(owner, board.id, 'Guest', { userId: guestSession.user.id });
      expect(linked.userId).toBe(guestSession.user.id);
      await quiet();
      const heard = record(owner, ScoreboardBroadcast.BoardState);
      const before = server.tableCounts();
      expect(
        await command(owner, ScoreboardCommand.PlayerAdd, {
          opId: randomUUID(),
          boardId: board.id,
          name: 'Nobody',
          userId: randomUUID(),
        }),
      ).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
      expect(
        await command(owner, ScoreboardCommand.PlayerAdd, {
          opId: randomUUID(),
          boardId: board.id,
          name: 'Again',
          userId: guestSession.user.id,
        }),
      ).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      await quiet();
      expect(server.tableCounts()).toEqual(before);
      expect(heard).toEqual([]);
    });

    it('refuses a player beyond the board’s most, and takes one again once a player is removed', async () => {
      const { owner, board } = await twoOnABoard();
      const first = await addPlayer(owner, board.id, 'First');
      const writer = new Database(server.db.name);
      writer.prepare('UPDATE Board SET playerCount = ? WHERE id = ?').run(ScoreboardLimits.playersPerBoard, board.id);
      writer.close();
      await quiet();
      const heard = record(owner, ScoreboardBroadcast.BoardState);
      const before = server.tableCounts();
      expect(
        await command(owner, ScoreboardCommand.PlayerAdd, { opId: randomUUID(), boardId: board.id, name: 'Over' }),
      ).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      await quiet();
      expect(server.tableCounts()).toEqual(before);
      expect(heard).toEqual([]);
      await commandOk(owner, ScoreboardCommand.PlayerRemove, {
        opId: randomUUID(),
        boardId: board.id,
        playerId: first.id,
      });
      await addPlayer(owner, board.id, 'Next');
      expect(server.db.prepare('SELECT playerCount FROM Board WHERE id = ?').get(board.id)).toEqual({
        playerCount: ScoreboardLimits.playersPerBoard,
      });
    });

    it('lets the owner rename and remove players, and refuses both to others', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const first = await addPlayer(guest, board.id, 'First');
      const second = await addPlayer(guest, board.id, 'Second');
      await quiet();
      const heard = record<BoardState>(owner, ScoreboardBroadcast.BoardState);
      const before = server.tableCounts();
      expect(
        await command(guest, ScoreboardCommand.PlayerRename, {
          opId: randomUUID(),
          boardId: board.id,
          playerId: first.id,
          name: 'Mine',
        }),
      ).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      expect(
        await command(guest, ScoreboardCommand.PlayerRemove, {
          opId: randomUUID(),
          boardId: board.id,
          playerId: first.id,
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'FORBIDDEN' },
      });
      await quiet();
      expect(server.tableCounts()).toEqual(before);
      expect(heard).toEqual([]);

      const { player: renamed } = await commandOk<ScoreboardCommandResults['player:rename']>(
        owner,
        ScoreboardCommand.PlayerRename,
        {
          opId: randomUUID(),
          boardId: board.id,
          playerId: first.id,
          name: 'Renamed',
        },
      );
      expect(renamed).toEqual({ ...first, name: 'Renamed' });
      expect(
        await commandOk(owner, ScoreboardCommand.PlayerRemove, {
          opId: randomUUID(),
          boardId: board.id,
          playerId: second.id,
        }),
      ).toEqual({ boardId: board.id, playerId: second.id });
      await eventually(() => heard.at(-1)?.seq === board.seq + 4, 'the state after rename and remove');
      expect(heard.at(-1)?.players).toEqual([{ ...first, name: 'Renamed', rank: 1 }]);
      expect(
        server.db.prepare('SELECT removedAt IS NOT NULL AS removed FROM Player WHERE id = ?').get(second.id),
      ).toEqual({ removed: 1 });

      const beforeMissing = server.tableCounts();
      for (const playerId of [second.id, randomUUID()]) {
        expect(
          await command(owner, ScoreboardCommand.PlayerRemove, { opId: randomUUID(), boardId: board.id, playerId }),
        ).toMatchObject({
          ok: false,
          error: { code: 'NOT_FOUND' },
        });
      }
      expect(server.tableCounts()).toEqual(beforeMissing);
    });
  });
});
