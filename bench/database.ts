/**
 * The database a benchmarked Tandem runs on: a fresh SQLite file in the server's folder, or, with
 * `--database postgres://…`, a fresh database on that PostgreSQL server, dropped afterwards. The
 * checks (verify.ts) read either through `query`.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type BenchDatabase = { kind: 'sqlite'; file: string } | { kind: 'postgresql'; url: string; name: string };

/** A fresh database: a file in `dir`, or a new database on the PostgreSQL server at `postgresUrl`. */
export async function freshDatabase(dir: string, postgresUrl: string | undefined): Promise<BenchDatabase> {
  if (!postgresUrl) return { kind: 'sqlite', file: path.join(dir, 'tandem.db') };
  const name = `tandem_bench_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await admin(postgresUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(postgresUrl);
  url.pathname = `/${name}`;
  return { kind: 'postgresql', url: url.toString(), name };
}

/** Drops a PostgreSQL database made by `freshDatabase` (a SQLite file goes with its folder). */
export async function dropDatabase(database: BenchDatabase, postgresUrl: string | undefined): Promise<void> {
  if (database.kind === 'postgresql' && postgresUrl)
    await admin(postgresUrl, `DROP DATABASE IF EXISTS "${database.name}" WITH (FORCE)`);
}

/** `DATABASE_URL` for the server. */
export function databaseUrl(database: BenchDatabase): string {
  return database.kind === 'sqlite' ? `file:${database.file}` : database.url;
}

/** The server named in the results, without credentials. */
export function describeDatabase(postgresUrl: string | undefined): string {
  if (!postgresUrl) return 'sqlite';
  const url = new URL(postgresUrl);
  return `postgresql://${url.hostname}:${url.port || 5432}`;
}

async function admin(postgresUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Reads on either database: `sql` uses `?` for parameters and quotes identifiers, which both read alike. */
export type Query = <Row>(sql: string, parameters?: unknown[]) => Promise<Row[]>;

/** Counts and sums come back from PostgreSQL as numbers, as from SQLite. */
const numeric = new Set<number>([pg.types.builtins.INT8, pg.types.builtins.NUMERIC]);
const numbers = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown =>
    numeric.has(oid) ? Number : pg.types.getTypeParser(oid, format),
};

/** Runs `check` with one read-only connection to the database, after the server has stopped. */
export async function withQuery<T>(database: BenchDatabase, check: (query: Query) => Promise<T>): Promise<T> {
  if (database.kind === 'sqlite') {
    const db = new Database(database.file, { readonly: true, fileMustExist: true });
    try {
      return await check(
        async <Row>(sql: string, parameters: unknown[] = []) => db.prepare(sql).all(...parameters) as Row[],
      );
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: database.url, types: numbers });
  await client.connect();
  try {
    return await check(async <Row>(sql: string, parameters: unknown[] = []) => {
      let index = 0;
      const { rows } = await client.query(
        sql.replace(/\?/g, () => `$${++index}`),
        parameters,
      );
      return rows as Row[];
    });
  } finally {
    await client.end();
  }
}
