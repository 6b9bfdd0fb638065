import { sql as raw, type Expression } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import { prepare } from '../db/sql.js';

// A reset's statements, built and compiled once (see `prepare`): built per call, each cost more
// than it ran for (a 450-player board's reset). None reads the players into the server.

/**
 * The round's standings archived in one statement, from the players' rows as they stand: ranked
 * as `rankPlayers` ranks (1 + the players with a higher score), in the order the board shows them
 * (`rankedPlayers`), each as `toPlayer` makes it (`userId` only when set), as JSON.
 */
export const archiveRound = prepare((db, round: { boardId: string; round: number; archivedAt: string }) => {
  const dialect = dialectOf(db);
  const player = (withUser: boolean) =>
    dialect.jsonObject([
      ['id', raw.ref('id')],
      ['name', raw.ref('name')],
      ['score', raw.ref('score')],
      ['rank', raw.ref('rank')],
      ...(withUser ? [['userId', raw.ref('userId')] as [string, Expression<unknown>]] : []),
    ]);
  const ranked = db
    .selectFrom('Player')
    .select(['id', 'name', 'score', 'userId', 'scoreChangeSeq', 'createdAt'])
    .select(raw<number>`rank() over (order by "score" desc)`.as('rank'))
    .where('boardId', '=', round.boardId)
    .where('removedAt', 'is', null)
    .as('ranked');
  return db
    .insertInto('BoardRound')
    .columns(['boardId', 'round', 'standings', 'archivedAt'])
    .expression(
      db
        .selectFrom(ranked)
        .select((eb) => [
          eb.val(round.boardId).as('boardId'),
          eb.val(round.round).as('round'),
          dialect
            .jsonArrayOf(
              eb.case().when('userId', 'is', null).then(player(false)).else(player(true)).end(),
              raw`"score" desc, "scoreChangeSeq", "createdAt", "id"`,
            )
            .as('standings'),
          eb.val(round.archivedAt).as('archivedAt'),
        ]),
    );
});

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
