import { prepare } from '../db/sql.js';

// A reset's statements, built and compiled once (see `prepare`): built per call, each cost more
// than it ran for (a 450-player board's reset).

/**
 * The round's active players, once, in the order they joined (the next round's order, everyone at
 * 0: see `zeroScores`), with what ranks them in this round: the round's standings are sorted from
 * these in the server, and the next round's ranking is these as they come. Ranking and writing
 * 450 players' JSON in the database (a window function, a sort, `json_object` per player) cost
 * twice this read, and the next round was then read again.
 */
export const roundPlayers = prepare((db, board: { id: string }) =>
  db
    .selectFrom('Player')
    .select(['id', 'name', 'userId', 'score', 'scoreChangeSeq'])
    .where('boardId', '=', board.id)
    .where('removedAt', 'is', null)
    .orderBy('createdAt')
    .orderBy('id'),
);

/** The round's standings (the JSON of its ranked players), archived. */
export const archiveRound = prepare(
  (db, round: { boardId: string; round: number; standings: string; archivedAt: string }) =>
    db.insertInto('BoardRound').values({
      boardId: round.boardId,
      round: round.round,
      standings: round.standings,
      archivedAt: round.archivedAt,
    }),
);

/** Everyone reaches 0 together: inside that tie, players keep the order they joined in. */
export const zeroScores = prepare((db, reset: { boardId: string; at: string; seq: number }) =>
  db
    .updateTable('Player')
    .set({ score: 0, scoreChangedAt: reset.at, scoreChangeSeq: reset.seq })
    .where('boardId', '=', reset.boardId)
    .where('removedAt', 'is', null),
);

export const startRound = prepare((db, board: { id: string; round: number }) =>
  db.updateTable('Board').set({ round: board.round }).where('id', '=', board.id),
);
