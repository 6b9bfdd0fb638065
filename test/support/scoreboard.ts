/**
 * What the scoreboard suites share: each command in one call, and the scenes and stored state
 * that need the suite's server.
 */
import { randomUUID } from 'node:crypto';
import {
  ScoreboardCommand,
  ScoreboardLimits,
  type Ack,
  type Board,
  type Player,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { Socket } from 'socket.io-client';
import { commandOk, scoreboardClient, settle, type ScoreboardClient } from './clients.js';
import { serverForSuite } from './server.js';

type Results = ScoreboardCommandResults;

export async function createBoard(
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

export async function join(
  socket: ScoreboardClient,
  boardId: string,
  extra: Record<string, unknown> = {},
): Promise<Board> {
  return (await commandOk<Results['board:join']>(socket, ScoreboardCommand.BoardJoin, { boardId, ...extra })).board;
}

export async function addPlayer(
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

export function addScore(
  socket: ScoreboardClient,
  boardId: string,
  playerId: string,
  delta: number,
  opId: string = randomUUID(),
) {
  return commandOk<Results['score:add']>(socket, ScoreboardCommand.ScoreAdd, { opId, boardId, playerId, delta });
}

/** Acks of many commands in flight at once: a longer wait than one command's. */
export function sendAll(socket: ScoreboardClient, payloads: unknown[], event: string = ScoreboardCommand.ScoreAdd) {
  const untyped = socket as Socket;
  return Promise.all(
    payloads.map((payload) => untyped.timeout(60_000).emitWithAck(event, payload) as Promise<Ack<unknown>>),
  );
}

/** Lets every pending `board:state` (trailing edge and settling resend) go out. */
export const quiet = () => settle(ScoreboardLimits.stateIntervalMs * 3);

export function scoresOf(state: { players: { id: string; score: number }[] }): Record<string, number> {
  return Object.fromEntries(state.players.map((player) => [player.id, player.score]));
}

/** The suite's own server (`serverForSuite`), with the scenes and stored state that need it. */
export function scoreboardSuite() {
  const server = serverForSuite();

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

  return { server, stored, eventSum, twoOnABoard };
}
