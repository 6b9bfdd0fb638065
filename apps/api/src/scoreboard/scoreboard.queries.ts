import { prepare, prepareShapes } from '../db/sql.js';

// The scoreboard's queries on its hot paths, built and compiled once (see `prepare`).

export const playerColumns = ['id', 'boardId', 'name', 'userId', 'score'] as const;

export const findBoard = prepare((db, board: { id: string }) =>
  db
    .selectFrom('Board')
    .select(['id', 'name', 'visibility', 'inviteCode', 'ownerId', 'round', 'createdAt'])
    .where('id', '=', board.id),
);

/** The board, and the player on it unless there is none (or it was removed): one read for the commands on a player. */
export const findBoardWithPlayer = prepare((db, ids: { boardId: string; playerId: string }) =>
  db
    .selectFrom('Board')
    .leftJoin('Player', (join) =>
      join
        .on('Player.id', '=', ids.playerId)
        .onRef('Player.boardId', '=', 'Board.id')
        .on('Player.removedAt', 'is', null),
    )
    .select([
      'Board.id',
      'Board.name',
      'Board.visibility',
      'Board.inviteCode',
      'Board.ownerId',
      'Board.round',
      'Board.createdAt',
      'Player.id as playerId',
      'Player.name as playerName',
      'Player.userId as playerUserId',
      'Player.score as playerScore',
    ])
    .where('Board.id', '=', ids.boardId),
);

export const findActivePlayer = prepare((db, player: { id: string; boardId: string }) =>
  db
    .selectFrom('Player')
    .select(playerColumns)
    .where('id', '=', player.id)
    .where('boardId', '=', player.boardId)
    .where('removedAt', 'is', null),
);

/**
 * `score = score + delta` in the database: nothing is read and written back from here. Only within
 * ±`max`, and, with `guarded`, only while the score is `expected`, checked by the same statement:
 * writes of one transaction may overlap (see `Dialect`). It also returns how many active players
 * of the board are above the new score (the rank's read, in the same statement; the player's own
 * row is left out, so it does not matter whether the count sees it before or after the update).
 */
export const addToScore = prepareShapes(
  (guarded: boolean) => String(guarded),
  (db, change: { id: string; delta: number; at: string; seq: number; max: number; expected: number }, guarded) => {
    const update = db
      .updateTable('Player')
      .set((eb) => ({ score: eb('score', '+', change.delta), scoreChangedAt: change.at, scoreChangeSeq: change.seq }))
      .where('id', '=', change.id)
      .where((eb) => eb(eb.fn<number>('abs', [eb('score', '+', change.delta)]), '<=', change.max));
    return (guarded ? update.where('score', '=', change.expected) : update).returning((eb) => [
      ...playerColumns,
      eb
        .selectFrom('Player as Other')
        .select((other) => other.fn.countAll<number>().as('higher'))
        .whereRef('Other.boardId', '=', 'Player.boardId')
        .whereRef('Other.id', '!=', 'Player.id')
        .where('Other.removedAt', 'is', null)
        .whereRef('Other.score', '>', 'Player.score')
        .as('higher'),
    ]);
  },
);

/** Who made the player's last score change, and in which round. */
export const lastScoreChange = prepare((db, player: { id: string }) =>
  db
    .selectFrom('ScoreEvent')
    .innerJoin('User', 'User.id', 'ScoreEvent.userId')
    .select(['ScoreEvent.round', 'User.id', 'User.name'])
    .where('ScoreEvent.playerId', '=', player.id)
    .orderBy('ScoreEvent.id', 'desc')
    .limit(1),
);

export const recordScoreEvent = prepare(
  (
    db,
    event: {
      boardId: string;
      playerId: string;
      round: number;
      delta: number;
      userId: string;
      opId: string;
      createdAt: string;
    },
  ) =>
    db.insertInto('ScoreEvent').values({
      boardId: event.boardId,
      playerId: event.playerId,
      round: event.round,
      delta: event.delta,
      userId: event.userId,
      opId: event.opId,
      createdAt: event.createdAt,
    }),
);

export const playersAbove = prepare((db, player: { boardId: string; score: number }) =>
  db
    .selectFrom('Player')
    .select((eb) => eb.fn.countAll<number>().as('higher'))
    .where('boardId', '=', player.boardId)
    .where('removedAt', 'is', null)
    .where('score', '>', player.score),
);

/** Best first; inside a tie, whoever reached the score first (the earlier change of the board). */
export const rankedPlayers = prepare((db, board: { id: string }) =>
  db
    .selectFrom('Player')
    .select(playerColumns)
    .where('boardId', '=', board.id)
    .where('removedAt', 'is', null)
    .orderBy('score', 'desc')
    .orderBy('scoreChangeSeq')
    .orderBy('createdAt')
    .orderBy('id'),
);
