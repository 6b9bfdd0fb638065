import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { ScoreboardBroadcast, ScoreboardCommand, type BoardState, type Player } from '@tandem/contract';
import { command, commandOk, eventually, record } from './support/clients.js';
import { addPlayer, join, quiet, scoreboardSuite, sendAll } from './support/scoreboard.js';

// A board's state is kept ranked in the server between changes (`BoardStates`): what it sends
// and answers must be what the database holds, whoever changed it.
describe('scoreboard states', () => {
  const { server, stored, twoOnABoard } = scoreboardSuite();

  const shown = (players: Player[]) => players.map(({ id, name, score }) => ({ id, name, score }));
  /** Ranks as the protocol defines them, from the stored order. */
  const ranksOf = (players: { score: number }[]) =>
    players.map((player) => 1 + players.filter((other) => other.score > player.score).length);

  it('sends and answers the stored board after a long series of mixed changes (fixed seed)', async () => {
    const { owner, guest, board } = await twoOnABoard();
    const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);
    let seed = 11;
    const draw = (below: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % below;
    };
    const players: string[] = [];
    for (let index = 0; index < 8; index++) players.push((await addPlayer(owner, board.id, `p${index}`)).id);
    for (let round = 0; round < 12; round++) {
      // Bursts of changes in flight together: several commit in one transaction.
      const payloads = Array.from({ length: 15 }, () => ({
        opId: randomUUID(),
        boardId: board.id,
        playerId: players[draw(players.length)],
        delta: draw(9) - 4 || 2,
      }));
      expect((await sendAll(owner, payloads)).every((ack) => ack.ok)).toBe(true);
      const playerId = players[draw(players.length)];
      const base = { opId: randomUUID(), boardId: board.id, playerId };
      if (round % 4 === 1) await commandOk(owner, ScoreboardCommand.PlayerRename, { ...base, name: `r${round}` });
      if (round % 4 === 3) {
        await commandOk(owner, ScoreboardCommand.PlayerRemove, base);
        players.splice(players.indexOf(playerId), 1);
        players.push((await addPlayer(owner, board.id, `n${round}`)).id);
      }
    }
    await quiet();
    const expected = stored(board.id);
    const last = heard.at(-1)!;
    expect({ seq: last.seq, round: last.round, players: shown(last.players) }).toEqual(expected);
    expect(last.players.map((player) => player.rank)).toEqual(ranksOf(expected.players));
    const joined = await join(guest, board.id);
    expect({ seq: joined.seq, round: joined.round, players: shown(joined.players) }).toEqual(expected);
    expect(joined.players.map((player) => player.rank)).toEqual(ranksOf(expected.players));
  });

  it("answers a refused guarded score:add with the player as stored, ranked among the board's", async () => {
    const { owner, board } = await twoOnABoard();
    const [ada, bo, cy] = [
      await addPlayer(owner, board.id, 'Ada'),
      await addPlayer(owner, board.id, 'Bo'),
      await addPlayer(owner, board.id, 'Cy'),
    ];
    for (const [player, delta] of [
      [ada, 9],
      [bo, 4],
      [cy, 6],
    ] as const) {
      await commandOk(owner, ScoreboardCommand.ScoreAdd, {
        opId: randomUUID(),
        boardId: board.id,
        playerId: player.id,
        delta,
      });
    }
    const refused = await command(owner, ScoreboardCommand.ScoreAdd, {
      opId: randomUUID(),
      boardId: board.id,
      playerId: bo.id,
      delta: -4,
      expected: { round: 1, score: 0 },
    });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: 'CONFLICT', details: { current: { id: bo.id, name: 'Bo', score: 4, rank: 3 }, round: 1 } },
    });
  });

  it('answers a change committed by another process, which this one never heard', async () => {
    const { owner, guest, board } = await twoOnABoard();
    const ada = await addPlayer(owner, board.id, 'Ada');
    const bo = await addPlayer(owner, board.id, 'Bo');
    await quiet();
    expect((await join(guest, board.id)).players.map((player) => player.id)).toEqual([ada.id, bo.id]);

    // What another node's score:add commits: the score, and the board's next seq.
    const { database } = server.config;
    if (database.provider !== 'sqlite') throw new Error('the test server runs on SQLite');
    const other = new Database(database.file);
    try {
      other.transaction(() => {
        other.prepare('UPDATE Player SET score = 7, scoreChangeSeq = 3 WHERE id = ?').run(bo.id);
        other.prepare('UPDATE ChangeStream SET seq = 3 WHERE key = ?').run(`board:${board.id}`);
      })();
    } finally {
      other.close();
    }
    const joined = await join(guest, board.id);
    expect(joined).toMatchObject({
      seq: 3,
      players: [
        { id: bo.id, score: 7, rank: 1 },
        { id: ada.id, score: 0, rank: 2 },
      ],
    });
    // This process's next change is followed from there.
    const heard = record<BoardState>(guest, ScoreboardBroadcast.BoardState);
    await commandOk(owner, ScoreboardCommand.ScoreAdd, {
      opId: randomUUID(),
      boardId: board.id,
      playerId: ada.id,
      delta: 9,
    });
    await eventually(() => heard.some((state) => state.seq === 4), 'board:state of seq 4');
    expect(heard.find((state) => state.seq === 4)?.players).toEqual([
      { id: ada.id, name: 'Ada', score: 9, rank: 1 },
      { id: bo.id, name: 'Bo', score: 7, rank: 2 },
    ]);
  });
});
