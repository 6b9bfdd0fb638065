import Database from 'better-sqlite3';
import { sqlitePragmas } from './dialect.js';

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
