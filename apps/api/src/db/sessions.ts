import type { SqliteConnection } from './connections.js';
import type { Dialect } from './dialect.js';
import { Sql } from './sql.js';

/** A connection held for one transaction. */
export interface Session {
  sql: Sql;
  rollback(): Promise<void>;
  release(failed?: Error): void;
}

/**
 * Statements of a transaction still under way when its work returns (see `inTransaction`); each
 * is given a handler at once, so that a failure is reported by the transaction, not by the process.
 */
export class Ending {
  readonly statements: Promise<unknown>[] = [];

  add(statement: Promise<unknown>): void {
    statement.catch(() => undefined);
    this.statements.push(statement);
  }
}

/**
 * Runs `work` in a transaction opened with `begin` on the session, and releases the session.
 * `ahead` (see `Dialect.statementsAhead`): `BEGIN` leaves with the work's first statements and
 * `COMMIT` with its last ones (those it left in `ending`), each without waiting for the answers
 * before it: on a server, two round trips fewer per transaction. A statement that fails aborts
 * the transaction there, so the `COMMIT` behind it commits nothing, and the failure is thrown.
 */
export async function inTransaction<T>(
  session: Session,
  begin: string,
  ahead: boolean,
  work: (sql: Sql, ending: Ending) => Promise<T>,
): Promise<T> {
  try {
    const ending = new Ending();
    const begun = session.sql.execute(begin);
    if (ahead) ending.add(begun);
    else await begun;
    const result = await work(session.sql, ending);
    if (!ahead) await Promise.all(ending.statements);
    ending.add(session.sql.execute('COMMIT'));
    await Promise.all(ending.statements);
    session.release();
    return result;
  } catch (error) {
    await session.rollback().then(
      () => session.release(),
      (failure: Error) => session.release(failure),
    );
    throw error;
  }
}

/** SQLite: the connection itself (its owner makes sure one transaction at a time runs on it). */
export function sqliteSession(
  dialect: Dialect,
  connection: SqliteConnection,
  sql = new Sql(dialect, connection),
): Session {
  return { sql, rollback: async () => connection.rollback(), release: () => undefined };
}
