import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  ScoreboardBroadcast,
  ScoreboardCommand,
  ScoreboardLimits,
  type Ack,
  type Board,
  type BoardState,
  type Player,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import {
  command,
  commandOk,
  eventually,
  record,
  scoreboardClient,
  settle,
  type ScoreboardClient,
} from './support/clients.js';
import { serverForSuite } from './support/server.js';

type Results = ScoreboardCommandResults;

describe('scoreboard', () => {
  const server = serverForSuite();

  // ---- helpers ------------------------------------------------------------------------------

  async function createBoard(
    socket: ScoreboardClient,
    name = `board-${randomUUID().slice(0, 8)}`,
    visibility?: 'private',
  ): Promise<Board> {
    const { board } = await commandOk<Results['board:create']>(socket, ScoreboardCommand.BoardCreate, {
      name,
      ...(visibility ? { visibility } : {}),
    });
    return board;
  }

  async function join(socket: ScoreboardClient, boardId: string, extra: Record<string, unknown> = {}): Promise<Board> {
    return (await commandOk<Results['board:join']>(socket, ScoreboardCommand.BoardJoin, { boardId, ...extra })).board;
  }

  async function addPlayer(
    socket: ScoreboardClient,
    boardId: string,
    name: string,
    extra: Record<string, unknown> = {},
  ): Promise<Player> {
    const { player } = await commandOk<Results['player:add']>(socket, ScoreboardCommand.PlayerAdd, {
      opId: randomUUID(),
      boardId,
      name,
      ...extra,
    });
    return player;
  }

  function addScore(
    socket: ScoreboardClient,
    boardId: string,
    playerId: string,
    delta: number,
    opId: string = randomUUID(),
  ) {
    return commandOk<Results['score:add']>(socket, ScoreboardCommand.ScoreAdd, { opId, boardId, playerId, delta });
  }

  /** Acks of many commands in flight at once: a longer wait than one command's. */
  function sendAll(socket: ScoreboardClient, payloads: unknown[], event: string = ScoreboardCommand.ScoreAdd) {
    const untyped = socket as Socket;
    return Promise.all(
      payloads.map((payload) => untyped.timeout(60_000).emitWithAck(event, payload) as Promise<Ack<unknown>>),
    );
  }

  /** Lets every pending `board:state` (trailing edge and settling resend) go out. */
  const quiet = () => settle(ScoreboardLimits.stateIntervalMs * 3);

  /** The board as the database holds it right now, ranked the way the server ranks. */
  function stored(boardId: string) {
    const board = server.db.prepare('SELECT round FROM Board WHERE id = ?').get(boardId) as { round: number };
    const seq =
      (
        server.db.prepare('SELECT seq FROM ChangeStream WHERE key = ?').get(`board:${boardId}`) as
          { seq: number } | undefined
      )?.seq ?? 0;
    const players = server.db
      .prepare(
        'SELECT id, name, score FROM Player WHERE boardId = ? AND removedAt IS NULL ORDER BY score DESC, scoreChangeSeq ASC, createdAt ASC, id ASC',
      )
      .all(boardId) as { id: string; name: string; score: number }[];
    return { round: board.round, seq, players };
  }

  function scoresOf(state: { players: { id: string; score: number }[] }): Record<string, number> {
    return Object.fromEntries(state.players.map((player) => [player.id, player.score]));
  }

  function eventSum(playerId: string): number {
    return (
      server.db.prepare('SELECT COALESCE(SUM(delta), 0) AS total FROM ScoreEvent WHERE playerId = ?').get(playerId) as {
        total: number;
      }
    ).total;
  }

  async function twoOnABoard() {
    const { socket: owner, session: ownerSession } = await scoreboardClient(server.url, 'owner');
    const { socket: guest, session: guestSession } = await scoreboardClient(server.url, 'guest');
    const board = await createBoard(owner);
    await join(owner, board.id);
    await join(guest, board.id);
    return { owner, guest, board, ownerSession, guestSession };
  }

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

      const { boards } = await commandOk<Results['board:list']>(ann, ScoreboardCommand.BoardList, {});
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

      const listBefore = await commandOk<Results['board:list']>(guest, ScoreboardCommand.BoardList, {});
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
      const listAfter = await commandOk<Results['board:list']>(guest, ScoreboardCommand.BoardList, {});
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

      const { player: renamed } = await commandOk<Results['player:rename']>(owner, ScoreboardCommand.PlayerRename, {
        opId: randomUUID(),
        boardId: board.id,
        playerId: first.id,
        name: 'Renamed',
      });
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

  // ---- concurrency and coalescing -----------------------------------------------------------

  describe('concurrency', () => {
    it('ends exact after 10 concurrent writers × 200 increments, in the database and in every client', async () => {
      const { socket: owner } = await scoreboardClient(server.url, 'owner');
      const board = await createBoard(owner);
      const players = [
        await addPlayer(owner, board.id, 'P1'),
        await addPlayer(owner, board.id, 'P2'),
        await addPlayer(owner, board.id, 'P3'),
      ];
      const writers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => scoreboardClient(server.url, `writer-${i}`)),
      );
      const heard = writers.map(({ socket }) => record<BoardState>(socket, ScoreboardBroadcast.BoardState));
      for (const { socket } of writers) await join(socket, board.id);

      const expected = new Map(players.map((player) => [player.id, 0]));
      const batches = writers.map(({ socket }, writer) =>
        Array.from({ length: 200 }, (_, k) => {
          const player = players[(writer + k) % players.length];
          const delta = ((writer * 200 + k) % 9) - 4 || 5;
          expected.set(player.id, (expected.get(player.id) ?? 0) + delta);
          return { socket, payload: { opId: randomUUID(), boardId: board.id, playerId: player.id, delta } };
        }),
      );
      const acks = await Promise.all(
        batches.map((batch) =>
          sendAll(
            batch[0].socket,
            batch.map((entry) => entry.payload),
          ),
        ),
      );
      expect(acks.flat().filter((ack) => !ack.ok)).toEqual([]);

      const inDatabase = stored(board.id);
      expect(scoresOf(inDatabase)).toEqual(Object.fromEntries(expected));
      expect(inDatabase.seq).toBe(players.length + 2_000);
      for (const player of players) expect(eventSum(player.id)).toBe(expected.get(player.id));
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM ScoreEvent WHERE boardId = ?').get(board.id)).toEqual({
        n: 2_000,
      });

      for (const states of heard)
        await eventually(() => states.at(-1)?.seq === inDatabase.seq, 'the final state on every client');
      await quiet();
      for (const states of heard) {
        const last = states.at(-1) as BoardState;
        expect(last.seq).toBe(inDatabase.seq);
        expect(scoresOf(last)).toEqual(Object.fromEntries(expected));
        expect(last.players.map((player) => player.id)).toEqual(inDatabase.players.map((player) => player.id));
      }
    });

    it('coalesces a burst of 2,000 increments into a few dozen broadcasts, the last one exact', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'Burst');
      const rival = await addPlayer(owner, board.id, 'Rival');
      await quiet();
      const heardByOwner = record<BoardState>(owner, ScoreboardBroadcast.BoardState);
      const heardByGuest = record<BoardState>(guest, ScoreboardBroadcast.BoardState);

      const acks = await sendAll(
        owner,
        Array.from({ length: 2_000 }, (_, i) => ({
          opId: randomUUID(),
          boardId: board.id,
          playerId: i % 4 === 0 ? rival.id : player.id,
          delta: 1,
        })),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
      const inDatabase = stored(board.id);
      expect(scoresOf(inDatabase)).toEqual({ [player.id]: 1_500, [rival.id]: 500 });

      for (const states of [heardByOwner, heardByGuest]) {
        await eventually(() => states.at(-1)?.seq === inDatabase.seq, 'the final state', 2_000);
      }
      await quiet();
      for (const states of [heardByOwner, heardByGuest]) {
        expect(states.length).toBeGreaterThanOrEqual(2);
        expect(states.length).toBeLessThan(200);
        const seqs = states.map((state) => state.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(states.at(-1)).toEqual({
          boardId: board.id,
          seq: inDatabase.seq,
          round: 1,
          players: [
            { id: player.id, name: 'Burst', score: 1_500, rank: 1 },
            { id: rival.id, name: 'Rival', score: 500, rank: 2 },
          ],
        });
      }
    });
  });

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

      const { board: next } = await commandOk<Results['board:reset']>(owner, ScoreboardCommand.BoardReset, {
        opId: randomUUID(),
        boardId: board.id,
      });
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
      const { rounds } = await commandOk<Results['board:history']>(guest, ScoreboardCommand.BoardHistory, {
        boardId: board.id,
      });
      expect(rounds).toEqual([{ round: 1, archivedAt: expect.any(String), standings }]);

      // Scores of the new round are logged as round 2; the archive stays as it was.
      await addScore(guest, board.id, runnerUp.id, 1);
      expect(
        server.db.prepare('SELECT round FROM ScoreEvent WHERE playerId = ? ORDER BY id DESC LIMIT 1').get(runnerUp.id),
      ).toEqual({ round: 2 });
      await commandOk(owner, ScoreboardCommand.BoardReset, { opId: randomUUID(), boardId: board.id });
      const later = await commandOk<Results['board:history']>(guest, ScoreboardCommand.BoardHistory, {
        boardId: board.id,
      });
      expect(later.rounds.map((round) => round.round)).toEqual([2, 1]);
      expect(later.rounds[0].standings.map((player) => [player.name, player.score, player.rank])).toEqual([
        ['Runner-up', 1, 1],
        ['Winner', 0, 2],
      ]);
      expect(later.rounds[1].standings).toEqual(standings);
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
