import { prepare } from '../db/sql.js';

// A reset's statements, built and compiled once (see `prepare`): built per call, each cost more
// than it ran for (a 450-player board's reset).

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
