import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ScoreboardBroadcast, ScoreboardCommand } from '@tandem/contract';
import { command, record } from './support/clients.js';
import { addPlayer, quiet, scoreboardSuite } from './support/scoreboard.js';

describe('scoreboard', () => {
  const { server, twoOnABoard } = scoreboardSuite();

  // ---- bad payloads -------------------------------------------------------------------------

  describe('bad payloads', () => {
    const boardPlaceholder = '$board';
    const playerPlaceholder = '$player';
    const score = (delta: unknown, extra: Record<string, unknown> = {}) => ({
      opId: randomUUID(),
      boardId: boardPlaceholder,
      playerId: playerPlaceholder,
      delta,
      ...extra,
    });
    const cases: [string, string, unknown][] = [
      ['a delta of 0', ScoreboardCommand.ScoreAdd, score(0)],
      ['a fractional delta', ScoreboardCommand.ScoreAdd, score(1.5)],
      ['a delta above 1,000,000', ScoreboardCommand.ScoreAdd, score(1_000_001)],
      ['a delta below -1,000,000', ScoreboardCommand.ScoreAdd, score(-1_000_001)],
      ['a delta as a string', ScoreboardCommand.ScoreAdd, score('5')],
      ['a huge delta', ScoreboardCommand.ScoreAdd, score(2 ** 60)],
      [
        'a missing delta',
        ScoreboardCommand.ScoreAdd,
        { opId: randomUUID(), boardId: boardPlaceholder, playerId: playerPlaceholder },
      ],
      [
        'a missing opId',
        ScoreboardCommand.ScoreAdd,
        { boardId: boardPlaceholder, playerId: playerPlaceholder, delta: 1 },
      ],
      ['an opId that is not a UUID', ScoreboardCommand.ScoreAdd, score(1, { opId: 'op-1' })],
      ['a playerId that is not an id', ScoreboardCommand.ScoreAdd, score(1, { playerId: 'ann' })],
      ['an unknown field', ScoreboardCommand.ScoreAdd, score(1, { multiplier: 2 })],
      [
        'a __proto__ key',
        ScoreboardCommand.ScoreAdd,
        JSON.parse(
          `{"opId":"${randomUUID()}","boardId":"${boardPlaceholder}","playerId":"${playerPlaceholder}","delta":1,"__proto__":{"polluted":true}}`,
        ),
      ],
      ['a string payload', ScoreboardCommand.ScoreAdd, 'plus one'],
      [
        'a player name over 100 characters',
        ScoreboardCommand.PlayerAdd,
        { opId: randomUUID(), boardId: boardPlaceholder, name: 'x'.repeat(101) },
      ],
      [
        'a blank player name',
        ScoreboardCommand.PlayerAdd,
        { opId: randomUUID(), boardId: boardPlaceholder, name: '   ' },
      ],
      ['a player:add without opId', ScoreboardCommand.PlayerAdd, { boardId: boardPlaceholder, name: 'x' }],
      [
        'a userId that is not an id',
        ScoreboardCommand.PlayerAdd,
        { opId: randomUUID(), boardId: boardPlaceholder, name: 'x', userId: 'me' },
      ],
      [
        'a rename to an empty name',
        ScoreboardCommand.PlayerRename,
        { opId: randomUUID(), boardId: boardPlaceholder, playerId: playerPlaceholder, name: '' },
      ],
      ['a reset without opId', ScoreboardCommand.BoardReset, { boardId: boardPlaceholder }],
      ['an opId on board:create', ScoreboardCommand.BoardCreate, { name: 'x', opId: randomUUID() }],
      ['a board name over 100 characters', ScoreboardCommand.BoardCreate, { name: 'x'.repeat(101) }],
      ['an unknown visibility', ScoreboardCommand.BoardCreate, { name: 'x', visibility: 'hidden' }],
      ['an opId on board:join', ScoreboardCommand.BoardJoin, { boardId: boardPlaceholder, opId: randomUUID() }],
      ['fields on board:list', ScoreboardCommand.BoardList, { mine: true }],
      ['a boardId that is not an id', ScoreboardCommand.BoardHistory, { boardId: 'quiz' }],
    ];

    it.each(cases)('answers VALIDATION to %s, writing and broadcasting nothing', async (_, event, payload) => {
      const { owner, guest, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'P');
      await quiet();
      const heard = record(guest, ScoreboardBroadcast.BoardState);
      const before = server.tableCounts();
      const filled = JSON.parse(
        JSON.stringify(payload).replaceAll(boardPlaceholder, board.id).replaceAll(playerPlaceholder, player.id),
      ) as unknown;

      const ack = await command(owner, event, filled);
      expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.any(String) } });
      if (!ack.ok) expect((ack.error.details as { issues: unknown[] }).issues.length).toBeGreaterThan(0);
      await quiet();
      expect(heard).toEqual([]);
      expect(server.tableCounts()).toEqual(before);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
