/**
 * Checks made on Tandem's SQLite file after the server has stopped, through a separate read-only
 * connection: what was acknowledged must be there, exactly once.
 */
import Database from 'better-sqlite3';

export interface Verification {
  ok: boolean;
  detail: string;
}

function withDatabase<T>(file: string, check: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return check(db);
  } finally {
    db.close();
  }
}

/**
 * Every acked message is stored once in its room, and each room's `seq` runs 1..n without a gap
 * (over every message, the system messages announcing joins included).
 */
export function verifyMessages(file: string, acked: [string, string][]): Verification {
  return withDatabase(file, (db) => {
    const rooms = new Map<string, number>();
    for (const [roomId] of acked) rooms.set(roomId, (rooms.get(roomId) ?? 0) + 1);
    const byId = db.prepare('SELECT roomId, COUNT(*) AS n FROM Message WHERE id = ? GROUP BY roomId');
    let missing = 0;
    let misplaced = 0;
    const read = db.transaction(() => {
      for (const [roomId, id] of acked) {
        const rows = byId.all(id) as { roomId: string; n: number }[];
        if (rows.length === 0) missing++;
        else if (rows.length !== 1 || rows[0].n !== 1 || rows[0].roomId !== roomId) misplaced++;
      }
    });
    read();
    const roomStats = db.prepare(
      "SELECT COUNT(*) AS n, MIN(seq) AS lo, MAX(seq) AS hi, SUM(kind = 'user') AS sent FROM Message WHERE roomId = ?",
    );
    let extra = 0;
    let gaps = 0;
    for (const [roomId, count] of rooms) {
      const { n, lo, hi, sent } = roomStats.get(roomId) as { n: number; lo: number; hi: number; sent: number };
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
export function verifyRoomCount(file: string, roomId: string, acked: number): Verification {
  return withDatabase(file, (db) => {
    const { n } = db.prepare("SELECT COUNT(*) AS n FROM Message WHERE roomId = ? AND kind = 'user'").get(roomId) as {
      n: number;
    };
    return { ok: n === acked, detail: `${acked} acked, ${n} stored` };
  });
}

/** Σ scores of the board's players equals the acked deltas, one score event per acked increment. */
export function verifyBoard(file: string, boardId: string, ackedDeltaSum: number, ackedCount: number): Verification {
  return withDatabase(file, (db) => {
    const { total } = db
      .prepare('SELECT COALESCE(SUM(score), 0) AS total FROM Player WHERE boardId = ?')
      .get(boardId) as {
      total: number;
    };
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM ScoreEvent WHERE boardId = ?').get(boardId) as { n: number };
    return {
      ok: total === ackedDeltaSum && n === ackedCount,
      detail: `stored total ${total} vs acked ${ackedDeltaSum}; ${n} score events vs ${ackedCount} acked increments`,
    };
  });
}

/** Σ (version − 1) over the list's items equals the accepted updates. */
export function verifyListVersions(file: string, listId: string, accepted: number): Verification {
  return withDatabase(file, (db) => {
    const { sum } = db
      .prepare('SELECT COALESCE(SUM(version - 1), 0) AS sum FROM Item WHERE listId = ?')
      .get(listId) as {
      sum: number;
    };
    return { ok: sum === accepted, detail: `stored Σ(version − 1) = ${sum} vs ${accepted} accepted updates` };
  });
}
