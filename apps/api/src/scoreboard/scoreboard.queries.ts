import { sql, type ExpressionBuilder } from 'kysely';
import type { BeforeCommit, GatheredRead } from '../db/database.service.js';
import type { DB } from '../generated/kysely/database.js';
import { prepare, prepareList, prepareRows, prepareShapes } from '../db/sql.js';
import { toBoardRecord, type BoardRecord, type PlayerRecord } from './board-records.js';

// The scoreboard's queries on its hot paths, built and compiled once (see `prepare`).

export const playerColumns = ['id', 'boardId', 'name', 'userId', 'score'] as const;

/**
 * In the `RETURNING` of a write to a player: how many active players of the board are above the
 * player's score as written (its rank, less one), in the write's own statement. The player's own
 * row is left out, so it does not matter whether the count sees it before or after the write.
 */
const playersAboveIt = (eb: ExpressionBuilder<DB, 'Player'>) =>
  eb
    .selectFrom('Player as Other')
    .select((other) => other.fn.countAll<number>().as('higher'))
    .whereRef('Other.boardId', '=', 'Player.boardId')
    .whereRef('Other.id', '!=', 'Player.id')
    .where('Other.removedAt', 'is', null)
    .whereRef('Other.score', '>', 'Player.score')
    .as('higher');

export const findBoard = prepare((db, board: { id: string }) =>
  db
    .selectFrom('Board')
    .select(['id', 'name', 'visibility', 'inviteCode', 'ownerId', 'round', 'createdAt'])
    .where('id', '=', board.id),
);

const boardColumns = [
  'Board.id',
  'Board.name',
  'Board.visibility',
  'Board.inviteCode',
  'Board.ownerId',
  'Board.round',
  'Board.createdAt',
] as const;

/**
 * The board and its stream's seq (null before its first change), in one statement: one committed
 * moment on either database, so that a kept ranking can be checked against it without a snapshot.
 */
export const findBoardAndSeq = prepare((db, board: { id: string; streamKey: string }) =>
  db
    .selectFrom('Board')
    .leftJoin('ChangeStream', (join) => join.on('ChangeStream.key', '=', board.streamKey))
    .select([...boardColumns, 'ChangeStream.seq'])
    .where('Board.id', '=', board.id),
);

/**
 * The boards of `count` (board, player) pairs, each once without a player, and the active players
 * among the pairs' with their boards: the values are the `count` player ids, then the `count`
 * board ids. Each part is found by its key alone: joined on the board, a player was looked for
 * among every player of each board (a statement of 20 pairs read 9,000 index entries on boards
 * of 450).
 */
const findBoardsWithPlayers = prepareList(
  (count: number) => String(count),
  (db, ids: readonly unknown[], count) => {
    const indexes = Array.from({ length: count }, (_, index) => index);
    return db
      .selectFrom('Player')
      .innerJoin('Board', 'Board.id', 'Player.boardId')
      .select([
        ...boardColumns,
        'Player.id as playerId',
        'Player.name as playerName',
        'Player.userId as playerUserId',
        'Player.score as playerScore',
      ])
      .where(
        'Player.id',
        'in',
        indexes.map((index) => ids[index] as string),
      )
      .where('Player.removedAt', 'is', null)
      .unionAll(
        db
          .selectFrom('Board')
          .select([
            ...boardColumns,
            sql<string>`null`.as('playerId'),
            sql<string>`null`.as('playerName'),
            sql<string | null>`null`.as('playerUserId'),
            sql<number>`null`.as('playerScore'),
          ])
          .where(
            'Board.id',
            'in',
            indexes.map((index) => ids[count + index] as string),
          ),
      );
  },
);

export type BoardWithPlayer = { board: BoardRecord; player: PlayerRecord | null } | null;

/**
 * The board (null: none), and its active player of that id (null: none): the first read of every
 * command on a player. The works of a transaction that start together ask in one statement.
 */
export const findBoardWithPlayer: GatheredRead<{ boardId: string; playerId: string }, BoardWithPlayer> = {
  async run(keys, sql) {
    const ids = new Array<string>(keys.length * 2);
    keys.forEach((key, index) => {
      ids[index] = key.playerId;
      ids[keys.length + index] = key.boardId;
    });
    const rows = await sql.all(findBoardsWithPlayers(keys.length, ids));
    // The keys mostly share one board: its record is made once.
    const boards = new Map<string, BoardRecord>();
    for (const row of rows) if (!boards.has(row.id)) boards.set(row.id, toBoardRecord(row));
    return keys.map(({ boardId, playerId }) => {
      const board = boards.get(boardId);
      if (!board) return null;
      const row = rows.find((candidate) => candidate.id === boardId && candidate.playerId === playerId);
      const player = row
        ? { id: playerId, boardId, name: row.playerName, userId: row.playerUserId, score: row.playerScore }
        : null;
      return { board, player };
    });
  },
};

/**
 * One more player on the board while it has fewer than `limit`: on PostgreSQL the update waits
 * for another transaction's on the same board and checks its count again, so that two nodes
 * cannot pass the limit together.
 */
export const takePlayerPlace = prepare((db, board: { id: string; limit: number }) =>
  db
    .updateTable('Board')
    .set((eb) => ({ playerCount: eb('playerCount', '+', 1) }))
    .where('id', '=', board.id)
    .where('playerCount', '<', board.limit),
);

/** A player removed: its place on the board is free again (when the player was not removed before). */
export const removeActivePlayer = prepare((db, player: { id: string; removedAt: string }) =>
  db
    .updateTable('Player')
    .set({ removedAt: player.removedAt })
    .where('id', '=', player.id)
    .where('removedAt', 'is', null),
);

export const leavePlayerPlace = prepare((db, board: { id: string }) =>
  db
    .updateTable('Board')
    .set((eb) => ({ playerCount: eb('playerCount', '-', 1) }))
    .where('id', '=', board.id),
);

/**
 * A new player: at 0, reached with the change `seq` (behind everyone already at 0). With
 * `counted`, it returns the players above 0 (`playersAboveIt`), for when the node's kept ranking
 * cannot tell (see `RankedBoard.movedUpTo`).
 */
export const insertPlayer = prepareShapes(
  (shape: { counted: boolean }) => (shape.counted ? 'counted' : 'plain'),
  (
    db,
    row: { id: string; boardId: string; name: string; userId: string | null; seq: number; at: string },
    { counted },
  ) =>
    db
      .insertInto('Player')
      .values({
        id: row.id,
        boardId: row.boardId,
        name: row.name,
        userId: row.userId,
        score: 0,
        scoreChangeSeq: row.seq,
        scoreChangedAt: row.at,
        createdAt: row.at,
      })
      .returning((eb) => (counted ? playersAboveIt(eb) : sql<number | null>`null`.as('higher'))),
);

/** A new name; the player's row back, with `counted` its rank's count too (as `insertPlayer`). */
export const updatePlayerName = prepareShapes(
  (shape: { counted: boolean }) => (shape.counted ? 'counted' : 'plain'),
  (db, player: { id: string; name: string }, { counted }) =>
    db
      .updateTable('Player')
      .set({ name: player.name })
      .where('id', '=', player.id)
      .returning((eb) => [...playerColumns, counted ? playersAboveIt(eb) : sql<number | null>`null`.as('higher')]),
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
 * writes of one transaction may overlap (see `Dialect`). With `counted`, it also returns how many
 * active players of the board are above the new score (`playersAboveIt`), for when the node's
 * kept ranking cannot tell (see `RankedBoard.movedUpTo`).
 */
export const addToScore = prepareShapes(
  (shape: { guarded: boolean; counted: boolean }) =>
    shape.guarded ? (shape.counted ? 'guarded counted' : 'guarded') : shape.counted ? 'counted' : 'plain',
  (
    db,
    change: { id: string; delta: number; at: string; seq: number; max: number; expected: number },
    { guarded, counted },
  ) => {
    const update = db
      .updateTable('Player')
      .set((eb) => ({ score: eb('score', '+', change.delta), scoreChangedAt: change.at, scoreChangeSeq: change.seq }))
      .where('id', '=', change.id)
      .where((eb) => eb(eb.fn<number>('abs', [eb('score', '+', change.delta)]), '<=', change.max));
    return (guarded ? update.where('score', '=', change.expected) : update).returning((eb) => [
      ...playerColumns,
      counted ? playersAboveIt(eb) : sql<number | null>`null`.as('higher'),
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

const scoreEventColumns = ['boardId', 'playerId', 'round', 'delta', 'userId', 'opId', 'createdAt'] as const;

const insertScoreEvents = prepareRows('ScoreEvent', scoreEventColumns);

export type ScoreEventRow = Record<(typeof scoreEventColumns)[number], string | number> & { seq: number };

/**
 * A transaction's score events, in one statement before its commit, in the order of their
 * changes' seqs; a statement of the transaction that reads `ScoreEvent` (a conflict's "changed
 * by") runs after those of the works that succeeded before it are in.
 */
export const recordScoreEvents: BeforeCommit<ScoreEventRow> = {
  table: 'ScoreEvent',
  async run(events, sql) {
    await sql.run(insertScoreEvents([...events].sort((a, b) => a.seq - b.seq)));
  },
};

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
