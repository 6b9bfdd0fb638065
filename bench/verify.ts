/**
 * Checks made on Tandem's database (SQLite or PostgreSQL) after the server has stopped, through a
 * separate connection: what was acknowledged must be there, exactly once.
 */
import { withQuery, type BenchDatabase } from './database.js';

export interface Verification {
  ok: boolean;
  detail: string;
}

/**
 * Every acked message is stored once in its room, and each room's `seq` runs 1..n without a gap
 * (over every message, the system messages announcing joins included).
 */
export function verifyMessages(database: BenchDatabase, acked: [string, string][]): Promise<Verification> {
  return withQuery(database, async (query) => {
    const rooms = new Map<string, number>();
    for (const [roomId] of acked) rooms.set(roomId, (rooms.get(roomId) ?? 0) + 1);
    // Ids are the primary key: a message is stored once or not at all; it may be in another room.
    const stored = new Map<string, string>();
    for (const { id, roomId } of await query<{ id: string; roomId: string }>(
      `SELECT "id", "roomId" FROM "Message" WHERE "kind" = 'user'`,
    ))
      stored.set(id, roomId);
    let missing = 0;
    let misplaced = 0;
    for (const [roomId, id] of acked) {
      const room = stored.get(id);
      if (room === undefined) missing++;
      else if (room !== roomId) misplaced++;
    }
    let extra = 0;
    let gaps = 0;
    for (const [roomId, count] of rooms) {
      const [{ n, lo, hi, sent }] = await query<{ n: number; lo: number; hi: number; sent: number }>(
        `SELECT COUNT(*) AS n, MIN("seq") AS lo, MAX("seq") AS hi,
                SUM(CASE WHEN "kind" = 'user' THEN 1 ELSE 0 END) AS sent
         FROM "Message" WHERE "roomId" = ?`,
        [roomId],
      );
      if (sent > count) extra += sent - count;
      if (n > 0 && (lo !== 1 || hi !== n)) gaps++;
    }
    const ok = missing === 0 && misplaced === 0 && gaps === 0;
    return {
      ok,
      detail:
        `${acked.length} acked messages in ${rooms.size} rooms: ${missing} missing, ${misplaced} duplicated or misplaced, ` +
        `${gaps} rooms with seq gaps, ${extra} stored but unacked`,
    };
  });
}

/** The number of messages sent to one room (system messages aside) equals the number acked. */
export function verifyRoomCount(database: BenchDatabase, roomId: string, acked: number): Promise<Verification> {
  return withQuery(database, async (query) => {
    const [{ n }] = await query<{ n: number }>(
      `SELECT COUNT(*) AS n FROM "Message" WHERE "roomId" = ? AND "kind" = 'user'`,
      [roomId],
    );
    return { ok: n === acked, detail: `${acked} acked, ${n} stored` };
  });
}

/** Σ scores of the board's players equals the acked deltas, one score event per acked increment. */
export function verifyBoard(
  database: BenchDatabase,
  boardId: string,
  ackedDeltaSum: number,
  ackedCount: number,
): Promise<Verification> {
  return withQuery(database, async (query) => {
    const [{ total }] = await query<{ total: number }>(
      `SELECT COALESCE(SUM("score"), 0) AS total FROM "Player" WHERE "boardId" = ?`,
      [boardId],
    );
    const [{ n }] = await query<{ n: number }>(`SELECT COUNT(*) AS n FROM "ScoreEvent" WHERE "boardId" = ?`, [boardId]);
    return {
      ok: total === ackedDeltaSum && n === ackedCount,
      detail: `stored total ${total} vs acked ${ackedDeltaSum}; ${n} score events vs ${ackedCount} acked increments`,
    };
  });
}

/** Σ (version − 1) over the list's items equals the accepted updates. */
export function verifyListVersions(database: BenchDatabase, listId: string, accepted: number): Promise<Verification> {
  return withQuery(database, async (query) => {
    const [{ sum }] = await query<{ sum: number }>(
      `SELECT COALESCE(SUM("version" - 1), 0) AS sum FROM "Item" WHERE "listId" = ?`,
      [listId],
    );
    return { ok: sum === accepted, detail: `stored Σ(version − 1) = ${sum} vs ${accepted} accepted updates` };
  });
}

/** What `command-costs` left: each phase's acked commands, as its users recorded them (load/commands.ts). */
export interface CommandEffects {
  listId: string;
  roomId: string;
  items: number;
  itemVersionSum: number;
  deletedItems: number;
  messages: number;
  editedMessages: number;
  deletedMessages: number;
  reactions: number;
  readSeqSum: number;
  boardIds: string[];
  players: number;
  rounds: number;
  scores: number;
}

/** Every figure the users recorded from their acks equals the database's. */
export function verifyCommandEffects(database: BenchDatabase, expected: CommandEffects): Promise<Verification> {
  return withQuery(database, async (query) => {
    const one = async (sql: string, parameters: unknown[]) =>
      Number(Object.values((await query(sql, parameters))[0] as object)[0] ?? 0);
    const boards = expected.boardIds.map(() => '?').join(', ');
    const stored: [string, number, number][] = [
      ['items', expected.items, await one(`SELECT COUNT(*) FROM "Item" WHERE "listId" = ?`, [expected.listId])],
      [
        'Σ(version − 1)',
        expected.itemVersionSum,
        await one(`SELECT COALESCE(SUM("version" - 1), 0) FROM "Item" WHERE "listId" = ?`, [expected.listId]),
      ],
      [
        'live items sharing a key',
        0,
        await one(
          `SELECT COUNT(*) - COUNT(DISTINCT "position") FROM "Item" WHERE "listId" = ? AND "deletedAt" IS NULL`,
          [expected.listId],
        ),
      ],
      [
        'deleted items',
        expected.deletedItems,
        await one(`SELECT COUNT(*) FROM "Item" WHERE "listId" = ? AND "deletedAt" IS NOT NULL`, [expected.listId]),
      ],
      [
        'messages',
        expected.messages,
        await one(`SELECT COUNT(*) FROM "Message" WHERE "roomId" = ? AND "kind" = 'user'`, [expected.roomId]),
      ],
      [
        'edited',
        expected.editedMessages,
        await one(`SELECT COUNT(*) FROM "Message" WHERE "roomId" = ? AND "editedAt" IS NOT NULL`, [expected.roomId]),
      ],
      [
        'deleted messages',
        expected.deletedMessages,
        await one(`SELECT COUNT(*) FROM "Message" WHERE "roomId" = ? AND "deletedAt" IS NOT NULL`, [expected.roomId]),
      ],
      [
        'reactions',
        expected.reactions,
        await one(`SELECT COUNT(*) FROM "Reaction" r JOIN "Message" m ON m."id" = r."messageId" WHERE m."roomId" = ?`, [
          expected.roomId,
        ]),
      ],
      [
        'Σ read markers',
        expected.readSeqSum,
        await one(`SELECT COALESCE(SUM("readSeq"), 0) FROM "Membership" WHERE "roomId" = ?`, [expected.roomId]),
      ],
      [
        'players',
        expected.players,
        await one(`SELECT COUNT(*) FROM "Player" WHERE "boardId" IN (${boards})`, expected.boardIds),
      ],
      [
        'resets',
        expected.rounds,
        await one(`SELECT COALESCE(SUM("round" - 1), 0) FROM "Board" WHERE "id" IN (${boards})`, expected.boardIds),
      ],
      [
        'Σ scores',
        expected.scores,
        await one(`SELECT COALESCE(SUM("score"), 0) FROM "Player" WHERE "boardId" IN (${boards})`, expected.boardIds),
      ],
    ];
    const wrong = stored.filter(([, want, got]) => want !== got);
    return {
      ok: wrong.length === 0,
      detail: stored.map(([name, want, got]) => `${name} ${got}${want === got ? '' : ` (acked ${want})`}`).join(', '),
    };
  });
}
