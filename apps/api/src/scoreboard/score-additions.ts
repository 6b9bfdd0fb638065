import { sql } from 'kysely';
import type { GatheredRead } from '../db/database.service.js';
import { prepareList, type Sql } from '../db/sql.js';
import type { PlayerRecord } from './board-records.js';
import { addToScore } from './scoreboard.queries.js';

/** One `score:add`'s change of a player's score, as its work asks it (see `addScores`). */
export interface ScoreAddition {
  id: string;
  delta: number;
  /** The change's seq: the moment the player reaches the new score. */
  seq: number;
  /** The batch's moment (one for all its changes: see `ScoreboardRepository.addScore`). */
  at: string;
  max: number;
  /** With `guarded`: only while the score is this. */
  expected: number;
  guarded: boolean;
  /** Whether the rank is counted in the statement (the node's kept ranking cannot tell). */
  counted: boolean;
  /** The player's score as the work read it, earlier in its transaction (none: the change takes its own statement). */
  read: number | undefined;
}

type ScoredRow = PlayerRecord & { higher: number | null };

/**
 * Sets `count` players' scores, each only while it still is the score it was worked out from: the
 * values are the moment, then per player its id, the score read, the new score and its change's
 * seq. Those it returns were set; another node's change since the read leaves a player out.
 */
const setScores = prepareList(
  (count: number) => String(count),
  (db, values: readonly unknown[], count) =>
    db
      .updateTable('Player')
      .from(
        sql`(values ${sql.join(
          Array.from({ length: count }, (_, index) => {
            const [id, read, score, seq] = [1, 2, 3, 4].map((column) => values[index * 4 + column]);
            return sql`(${id}, cast(${read} as integer), cast(${score} as integer), cast(${seq} as integer))`;
          }),
        )})`.as('Set'),
      )
      .set({
        score: sql<number>`"Set"."column3"`,
        scoreChangedAt: values[0] as string,
        scoreChangeSeq: sql<number>`"Set"."column4"`,
      })
      .where(sql<boolean>`"Player"."id" = "Set"."column1" and "Player"."score" = "Set"."column2"`)
      .returning(['Player.id', 'Player.boardId', 'Player.name', 'Player.userId']),
);

/**
 * The score changes of a batch's `score:add`s, each the player's row as of its change (null: not
 * applied, the score would leave ±`max` or was not `expected`), in as few statements as the
 * changes allow. Applied one after another in seq order, each checked against the score the
 * earlier ones left: the works read their players' scores together before any change, so the
 * server can add up each player's changes from that read, and one statement sets every player's
 * final score, guarded by the read (one row version per player per batch instead of one per
 * change). A player whose changes are not all applied that way (one refused, or another node's
 * change since the read), and a batch whose ranks are counted in the database (the count of each
 * change sees the earlier ones), take one statement per change, in seq order, as a lone change does.
 */
export const addScores: GatheredRead<ScoreAddition, ScoredRow | null> = {
  writes: true,
  async run(changes, sql) {
    const inOrder = changes.map((change, index) => ({ change, index })).sort((a, b) => a.change.seq - b.change.seq);
    const results = new Array<ScoredRow | null>(changes.length).fill(null);
    if (changes.length === 1 || changes.some((change) => change.counted)) {
      await oneByOne(inOrder, results, sql);
      return results;
    }
    const players = addedUp(inOrder);
    const values: unknown[] = [changes[0]!.at];
    for (const [id, player] of players) if (player.applies) values.push(id, player.read, player.score, player.seq);
    const set = new Map<string, PlayerRecord>();
    if (values.length > 1) {
      for (const row of await sql.all(setScores((values.length - 1) / 4, values))) set.set(row.id, row as PlayerRecord);
    }
    const left = inOrder.filter(({ change }) => !set.has(change.id));
    for (const { change, index } of inOrder) {
      const row = set.get(change.id);
      if (row) results[index] = { ...row, score: players.get(change.id)!.scores.get(index)!, higher: null };
    }
    if (left.length > 0) await oneByOne(left, results, sql);
    return results;
  },
};

interface AddedUp {
  read: number;
  score: number;
  seq: number;
  /** Each change's new score, by its place among the batch's changes. */
  scores: Map<number, number>;
  /** Whether every change of the player applies, from the score read. */
  applies: boolean;
}

/** Each player's changes applied in order from the score the first one read, as the database would. */
function addedUp(inOrder: { change: ScoreAddition; index: number }[]): Map<string, AddedUp> {
  const players = new Map<string, AddedUp>();
  for (const { change, index } of inOrder) {
    let player = players.get(change.id);
    if (!player) {
      const read = change.read ?? 0;
      player = { read, score: read, seq: 0, scores: new Map(), applies: change.read !== undefined };
      players.set(change.id, player);
    }
    const score = player.score + change.delta;
    if (Math.abs(score) > change.max || (change.guarded && player.score !== change.expected)) player.applies = false;
    player.score = score;
    player.seq = change.seq;
    player.scores.set(index, score);
  }
  return players;
}

/** One statement per change, sent together and applied in seq order. */
async function oneByOne(
  inOrder: { change: ScoreAddition; index: number }[],
  results: (ScoredRow | null)[],
  sql: Sql,
): Promise<void> {
  const rows = await Promise.all(
    inOrder.map(({ change }) => sql.first(addToScore({ guarded: change.guarded, counted: change.counted }, change))),
  );
  inOrder.forEach(({ index }, place) => (results[index] = rows[place] ?? null));
}
