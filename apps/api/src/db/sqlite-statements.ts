import Database from 'better-sqlite3';

type Parameter = string | number | bigint | null;

/**
 * A better-sqlite3 connection with its prepared statements kept, for the commands that run most
 * often (a chat message, a score). Prisma costs about a tenth of a millisecond of CPU per query
 * and its SQLite adapter prepares every statement again; here a statement is prepared once and
 * then costs a few microseconds. Only the writer uses this connection, one transaction at a time.
 */
export class SqliteStatements {
  private readonly connection: Database.Database;
  private readonly prepared = new Map<string, Database.Statement>();

  constructor(file: string, busyTimeoutMs: number) {
    this.connection = new Database(file, { timeout: busyTimeoutMs });
    this.connection.pragma('journal_mode = WAL');
    // WAL + NORMAL: a commit survives a process crash; only an OS crash may lose the last ones.
    this.connection.pragma('synchronous = NORMAL');
    this.connection.pragma('foreign_keys = ON');
    // Checkpoints run on a thread of their own (see `WalCheckpointer`).
    this.connection.pragma('wal_autocheckpoint = 0');
    // 64 MB of pages (the default is 2 MB): the indexes that every command reads stay in memory.
    this.connection.pragma('cache_size = -65536');
  }

  /** The first row, or `undefined`. */
  get<Row>(sql: string, ...parameters: Parameter[]): Row | undefined {
    return this.statement(sql).get(...parameters) as Row | undefined;
  }

  all<Row>(sql: string, ...parameters: Parameter[]): Row[] {
    return this.statement(sql).all(...parameters) as Row[];
  }

  /** The number of rows changed. */
  run(sql: string, ...parameters: Parameter[]): number {
    return this.statement(sql).run(...parameters).changes;
  }

  /** `IMMEDIATE`: the write lock is taken at once, so the transaction cannot fail half-way on a busy database. */
  begin(): void {
    this.statement('BEGIN IMMEDIATE').run();
  }

  commit(): void {
    this.statement('COMMIT').run();
  }

  rollback(): void {
    if (this.connection.inTransaction) this.statement('ROLLBACK').run();
  }

  close(): void {
    this.connection.close();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.prepared.get(sql);
    if (!statement) {
      statement = this.connection.prepare(sql);
      this.prepared.set(sql, statement);
    }
    return statement;
  }
}

let lastTimestamp = { ms: Number.NaN, text: '' };

/** A `DateTime` as Prisma's SQLite adapter stores it (ISO 8601 with `+00:00`), so both read alike. */
export function sqliteTimestamp(date: Date): string {
  const ms = date.getTime();
  // The commands of one batch mostly share their millisecond: format it once.
  if (ms !== lastTimestamp.ms) lastTimestamp = { ms, text: date.toISOString().replace('Z', '+00:00') };
  return lastTimestamp.text;
}

/** A stored `DateTime` back into a `Date` (Prisma's format, or SQLite's `CURRENT_TIMESTAMP`). */
export function fromSqliteTimestamp(value: string): Date {
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
}
