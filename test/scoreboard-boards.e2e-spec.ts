import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ScoreboardBroadcast, ScoreboardCommand } from '@tandem/contract';
import type { BoardState, ScoreboardCommandResults } from '@tandem/contract';
import { command, commandOk, eventually, record, scoreboardClient } from './support/clients.js';
import { addPlayer, addScore, createBoard, join, quiet, scoreboardSuite } from './support/scoreboard.js';

describe('scoreboard', () => {
  const { server, twoOnABoard } = scoreboardSuite();

  // ---- boards -------------------------------------------------------------------------------

  describe('boards', () => {
    it('creates a board, lists it, and joins it with a ranked snapshot, its round and seq', async () => {
      const { socket: ann, session } = await scoreboardClient(server.url, 'ann');
      const board = await createBoard(ann, 'Friday quiz');
      expect(board).toEqual({
        id: expect.any(String),
        name: 'Friday quiz',
        ownerId: session.user.id,
        visibility: 'public',
        round: 1,
        seq: 0,
        players: [],
        pin: expect.stringMatching(/^[1-9][0-9]{5}$/),
      });

      const { boards } = await commandOk<ScoreboardCommandResults['board:list']>(ann, ScoreboardCommand.BoardList, {});
      expect(boards.find((listed) => listed.id === board.id)).toEqual({
        id: board.id,
        name: 'Friday quiz',
        ownerId: session.user.id,
        visibility: 'public',
        round: 1,
        seq: 0,
        playerCount: 0,
      });

      const cleo = await addPlayer(ann, board.id, 'Cleo');
      const dan = await addPlayer(ann, board.id, 'Dan');
      await addScore(ann, board.id, dan.id, 3);
      const joined = await join(ann, board.id);
      expect(joined).toMatchObject({ id: board.id, round: 1, seq: 3 });
      expect(joined.players).toEqual([
        { id: dan.id, name: 'Dan', score: 3, rank: 1 },
        { id: cleo.id, name: 'Cleo', score: 0, rank: 2 },
      ]);
    });

    it('answers NOT_FOUND for a board that does not exist, writing nothing', async () => {
      const { socket } = await scoreboardClient(server.url, 'ann');
      const before = server.tableCounts();
      for (const event of [ScoreboardCommand.BoardJoin, ScoreboardCommand.BoardHistory]) {
        expect(await command(socket, event, { boardId: randomUUID() })).toMatchObject({
          ok: false,
          error: { code: 'NOT_FOUND' },
        });
      }
      expect(
        await command(socket, ScoreboardCommand.PlayerAdd, { opId: randomUUID(), boardId: randomUUID(), name: 'x' }),
      ).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      expect(server.tableCounts()).toEqual(before);
    });

    it('keeps private boards to members: invite code needed, hidden from others, no writes by strangers', async () => {
      const { socket: owner } = await scoreboardClient(server.url, 'owner');
      const { socket: guest } = await scoreboardClient(server.url, 'guest');
      const board = await createBoard(owner, 'secret', 'private');
      expect(board.inviteCode).toEqual(expect.any(String));
      await join(owner, board.id);
      const player = await addPlayer(owner, board.id, 'P');
      await quiet();
      const heard = record(owner, ScoreboardBroadcast.BoardState);

      const listBefore = await commandOk<ScoreboardCommandResults['board:list']>(
        guest,
        ScoreboardCommand.BoardList,
        {},
      );
      expect(listBefore.boards.map((listed) => listed.id)).not.toContain(board.id);
      const before = server.tableCounts();
      const refused: [string, unknown][] = [
        [ScoreboardCommand.BoardJoin, { boardId: board.id }],
        [ScoreboardCommand.BoardJoin, { boardId: board.id, inviteCode: 'wrong' }],
        [ScoreboardCommand.BoardHistory, { boardId: board.id }],
        [ScoreboardCommand.ScoreAdd, { opId: randomUUID(), boardId: board.id, playerId: player.id, delta: 1 }],
        [ScoreboardCommand.PlayerAdd, { opId: randomUUID(), boardId: board.id, name: 'intruder' }],
      ];
      for (const [event, payload] of refused) {
        expect(await command(guest, event, payload)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
      }
      await quiet();
      expect(server.tableCounts()).toEqual(before);
      expect(heard).toEqual([]);

      const joined = await join(guest, board.id, { inviteCode: board.inviteCode });
      expect(joined.inviteCode).toBe(board.inviteCode);
      const listAfter = await commandOk<ScoreboardCommandResults['board:list']>(guest, ScoreboardCommand.BoardList, {});
      expect(listAfter.boards.find((listed) => listed.id === board.id)).toMatchObject({
        inviteCode: board.inviteCode,
        playerCount: 1,
      });
      await addScore(guest, board.id, player.id, 1);
    });

    it('stops sending board:state to a socket that left the board', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'P');
      await quiet();
      expect(await commandOk(guest, ScoreboardCommand.BoardLeave, { boardId: board.id })).toEqual({
        boardId: board.id,
      });
      const heardByGuest = record(guest, ScoreboardBroadcast.BoardState);
      const heardByOwner = record<BoardState>(owner, ScoreboardBroadcast.BoardState);
      await addScore(owner, board.id, player.id, 2);
      await eventually(() => heardByOwner.length > 0, 'the owner hears the change');
      await quiet();
      expect(heardByGuest).toEqual([]);
    });
  });
});
