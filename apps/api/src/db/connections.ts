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

/** A statement prepared once, and, for one that returns rows, how its row objects are made. */
interface PreparedStatement {
  statement: Database.Statement;
  row: ((values: unknown[]) => unknown) | undefined;
}

/**
 * How a statement's raw rows (arrays, in its columns' order) become row objects: an object
 * literal of its columns, compiled once per statement, so that every row has one hidden class.
 * better-sqlite3 builds its own row objects a column at a time through V8's API (a runtime call,
 * a name lookup and a transition per column); its arrays cost less.
 */
function rowMaker(columns: string[]): (values: unknown[]) => unknown {
  if (columns.includes('__proto__')) throw new Error('a column named __proto__ cannot be a row property');
  const properties = columns.map((column, index) => `${JSON.stringify(column)}: values[${index}]`);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the columns' names are the schema's, quoted as JSON
  return new Function('values', `return { ${properties.join(', ')} };`) as (values: unknown[]) => unknown;
}

/**
 * A better-sqlite3 connection whose statements are prepared once per SQL text and reused: a run
 * then costs a few microseconds, where preparing costs ten times that.
 */
export class SqliteConnection implements SqlConnection {
  private readonly connection: Database.Database;
  private readonly statements = new Map<string, PreparedStatement>();

  constructor(file: string, busyTimeoutMs: number) {
    this.connection = new Database(file, { timeout: busyTimeoutMs });
    for (const pragma of sqlitePragmas) this.connection.pragma(pragma);
  }

  rows(sql: string, parameters: readonly unknown[]): unknown[] {
    const { statement, row } = this.statement(sql);
    if (!row) {
      statement.run(...parameters);
      return [];
    }
    const values = statement.all(...parameters) as unknown[][];
    const rows = new Array<unknown>(values.length);
    for (let index = 0; index < values.length; index++) rows[index] = row(values[index]!);
    return rows;
  }

  changes(sql: string, parameters: readonly unknown[]): number {
    return this.statement(sql).statement.run(...parameters).changes;
  }

  rollback(): void {
    if (this.connection.inTransaction) this.connection.exec('ROLLBACK');
  }

  close(): void {
    this.connection.close();
  }

  private statement(sql: string): PreparedStatement {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      if (this.statements.size >= statementsKept) this.statements.delete(this.statements.keys().next().value!);
      const statement = this.connection.prepare(sql);
      // Rows come back as arrays (`raw`), made into objects by `rowMaker`.
      prepared = statement.reader
        ? { statement: statement.raw(true), row: rowMaker(statement.columns().map((column) => column.name)) }
        : { statement, row: undefined };
      this.statements.set(sql, prepared);
    }
    return prepared;
  }
}
