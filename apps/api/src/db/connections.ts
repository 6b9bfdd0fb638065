import type { Socket as NetSocket } from 'node:net';
import Database from 'better-sqlite3';
import pg from 'pg';
import { sqlitePragmas, timestamp } from './dialect.js';

/** Where compiled SQL runs: one connection (or a pool), the statement's rows or its changed-row count. */
export interface SqlConnection {
  /** `name`: a stable name for the SQL text, for servers that keep prepared statements. */
  rows(sql: string, parameters: readonly unknown[], name?: string): unknown[] | Promise<unknown[]>;
  changes(sql: string, parameters: readonly unknown[], name?: string): number | Promise<number>;
}

/** Statements kept per SQLite connection; beyond that the oldest are dropped. */
const statementsKept = 1_000;

/**
 * A better-sqlite3 connection whose statements are prepared once per SQL text and reused: a run
 * then costs a few microseconds, where preparing costs ten times that.
 */
export class SqliteConnection implements SqlConnection {
  private readonly connection: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(file: string, busyTimeoutMs: number) {
    this.connection = new Database(file, { timeout: busyTimeoutMs });
    for (const pragma of sqlitePragmas) this.connection.pragma(pragma);
  }

  rows(sql: string, parameters: readonly unknown[]): unknown[] {
    const statement = this.statement(sql);
    if (statement.reader) return statement.all(...parameters);
    statement.run(...parameters);
    return [];
  }

  changes(sql: string, parameters: readonly unknown[]): number {
    return this.statement(sql).run(...parameters).changes;
  }

  rollback(): void {
    if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
  }

  close(): void {
    this.connection.close();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= statementsKept) this.statements.delete(this.statements.keys().next().value!);
      statement = this.connection.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

/** PostgreSQL values read as SQLite gives them (see `Dialect`): timestamps as strings, booleans as 0/1, int8 as numbers. */
const { builtins } = pg.types;
const sameShapeParsers = new Map<number, (value: string) => unknown>([
  [builtins.TIMESTAMP, (value) => timestamp(new Date(`${value.replace(' ', 'T')}Z`))],
  [builtins.TIMESTAMPTZ, (value) => timestamp(new Date(value))],
  [builtins.BOOL, (value) => (value === 't' ? 1 : 0)],
  [builtins.INT8, Number],
]);
const sameShapes = {
  getTypeParser: (oid: number, format?: 'text' | 'binary'): unknown =>
    sameShapeParsers.get(oid) ?? pg.types.getTypeParser(oid, format),
};

/** Parameters go as text: PostgreSQL reads 0/1 (booleans in the shared types) into `boolean` columns. */
function query(sql: string, parameters: readonly unknown[], name: string | undefined): pg.QueryConfig {
  return { text: sql, values: [...parameters], ...(name ? { name } : {}) };
}

/**
 * One PostgreSQL client, or the pool: named statements are parsed once per server connection
 * (`pg` keeps track of which connection has prepared which name).
 */
export class PostgresConnection implements SqlConnection {
  /** A transaction's client: its socket, held back while the statements of one turn of the event loop are written. */
  private readonly socket: NetSocket | undefined;
  private corked = false;

  constructor(private readonly client: pg.Pool | pg.PoolClient) {
    this.socket = (client as { connection?: { stream?: NetSocket } }).connection?.stream;
  }

  async rows(sql: string, parameters: readonly unknown[], name?: string): Promise<unknown[]> {
    this.holdWrites();
    return (await this.client.query(query(sql, parameters, name))).rows as unknown[];
  }

  async changes(sql: string, parameters: readonly unknown[], name?: string): Promise<number> {
    this.holdWrites();
    return (await this.client.query(query(sql, parameters, name))).rowCount ?? 0;
  }

  /**
   * The works of a batch run at once (see `Dialect.overlappingWorks`) and send their statements
   * in step: each writes its next one as the previous answers arrive. Corked until the loop's
   * check phase, a step's statements leave in one write instead of one each.
   */
  private holdWrites(): void {
    if (!this.socket || this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(() => {
      this.corked = false;
      this.socket?.uncork();
    });
  }
}

/**
 * Readers (and the writer while it waits for its transaction's turn): enough for the reads of
 * one node; writes use one client at a time.
 */
export const postgresPoolSize = 8;

export function postgresPool(url: string): pg.Pool {
  return new pg.Pool({
    connectionString: url,
    max: postgresPoolSize,
    types: sameShapes,
    // Statements sent without waiting for the previous one's answer (see `Dialect.overlappingWorks`).
    pipeline: true,
    connectionTimeoutMillis: 5_000,
  });
}
