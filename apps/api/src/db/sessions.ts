import type pg from 'pg';
import { PostgresConnection, type SqliteConnection } from './connections.js';
import { unreachable, type Dialect } from './dialect.js';
import { Sql } from './sql.js';

/** A connection held for one transaction. */
export interface Session {
  sql: Sql;
  rollback(): Promise<void>;
  release(failed?: Error): void;
}

/** Runs `work` in a transaction opened with `begin` on the session, and releases the session. */
export async function inTransaction<T>(session: Session, begin: string, work: (sql: Sql) => Promise<T>): Promise<T> {
  try {
    await session.sql.execute(begin);
    const result = await work(session.sql);
    await session.sql.execute('COMMIT');
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

/** PostgreSQL: a client of the pool, given back (or, if it failed, dropped) on release. */
export async function pooledSession(dialect: Dialect, pool: pg.Pool): Promise<Session> {
  const client = await pool.connect().catch((error: unknown) => {
    throw unreachable(error);
  });
  // A connection lost while checked out fails its next query; this keeps it from also crashing the process.
  const ignore = () => undefined;
  client.on('error', ignore);
  const sql = new Sql(dialect, new PostgresConnection(client));
  return {
    sql,
    rollback: () => sql.execute('ROLLBACK'),
    release: (failed) => {
      client.off('error', ignore);
      client.release(failed);
    },
  };
}
