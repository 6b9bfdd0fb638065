import {
  Kysely,
  sql,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
  type Expression,
  type DatabaseConnection,
  type RawBuilder,
  type SqlBool,
  type Driver,
  type TransactionSettings,
} from 'kysely';
import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { DB } from '../generated/kysely/database.js';

export type DialectName = 'sqlite' | 'postgresql';

/**
 * Everything that differs between SQLite and PostgreSQL, in one place. Repositories write each
 * query once with the builder; the dialect compiles it, and the connections (./connections.ts)
 * read both databases into the same shapes: timestamps as ISO strings (`timestamp`), booleans as
 * 0/1, counts as numbers — the types generated from the Prisma schema's SQLite models.
 */
export interface Dialect {
  readonly name: DialectName;
  /** Builds and compiles queries only: they run through `Sql` (./sql.ts), never through Kysely. */
  readonly builder: Kysely<DB>;
  /** Opens a write transaction. */
  readonly begin: string;
  /** Opens a read-only transaction that sees one snapshot. */
  readonly beginSnapshot: string;
  /**
   * Whether the units of work of one transaction that may overlap run at once: their first reads
   * are then gathered into one statement per batch (see `UnitOfWork.gather`), and on a server
   * their statements are pipelined on its connection, so a batch costs a few round trips instead
   * of a few per command.
   */
  readonly overlappingWorks: boolean;
  /**
   * Whether `BEGIN` and `COMMIT` leave with the statements next to them without waiting for their
   * answers (see `inTransaction`): on a server, two round trips fewer per transaction, and a
   * failed statement aborts the transaction there. On SQLite a failed statement leaves the
   * transaction open, so its `COMMIT` waits for every statement's outcome.
   */
  readonly statementsAhead: boolean;
  /**
   * Whether the `Message` row's text holds every term, each as a word or the start of one (full-text
   * search; see the `message_search` migrations). Terms are letters and digits only (`searchTerms`
   * in the contract), so they are quoted here without any escaping to get wrong.
   */
  readonly messageTextMatches: (terms: string[]) => RawBuilder<SqlBool>;
  /**
   * Where the search index is not kept by the database itself: the statement that adds these new
   * messages to it (each once: one already indexed, say edited in the same transaction, is left
   * as it is), run once per transaction (see `UnitOfWork.beforeCommit`).
   */
  readonly indexNewMessages: ((messageIds: string[]) => Compilable<unknown>) | undefined;
  /** A JSON object of these keys and values. */
  readonly jsonObject: (fields: [key: string, value: Expression<unknown>][]) => RawBuilder<unknown>;
  /** An aggregate: the JSON text of an array of `element` for every row, in `order` (`[]` for no rows). */
  readonly jsonArrayOf: (element: Expression<unknown>, order: RawBuilder<unknown>) => RawBuilder<string>;
  /** JSON text with the value at each path (keys from the top) set to a JSON text's value; null stays null. */
  readonly jsonSet: (json: Expression<string | null>, values: [path: string[], value: string][]) => RawBuilder<string>;
  /**
   * Where the search index is not kept by the database itself: the statement that puts these
   * edited messages' text in it in place of their old text (`deleted` false), or takes these
   * deleted messages out of it (`deleted` true), run once per transaction like `indexNewMessages`.
   */
  readonly reindexMessages: ((messageIds: string[], deleted: boolean) => Compilable<unknown>) | undefined;
}

/** `key, value, …`: the arguments of either database's function that makes a JSON object. */
const jsonFields = (fields: [string, Expression<unknown>][]) =>
  sql.join(fields.flatMap(([key, value]) => [sql.lit(key), value]));

/** Kysely's execution is not used: a query run through it by mistake fails loudly. */
class CompileOnlyDriver implements Driver {
  async init(): Promise<void> {}
  acquireConnection(): Promise<DatabaseConnection> {
    return Promise.reject(new Error('queries run through Sql (apps/api/src/db/sql.ts), not through Kysely'));
  }
  async beginTransaction(_connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {}
  async commitTransaction(): Promise<void> {}
  async rollbackTransaction(): Promise<void> {}
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}

const sqliteBuilder = new Kysely<DB>({
  dialect: {
    createAdapter: () => new SqliteAdapter(),
    createDriver: () => new CompileOnlyDriver(),
    createIntrospector: (db) => new SqliteIntrospector(db),
    createQueryCompiler: () => new SqliteQueryCompiler(),
  },
});

/**
 * A statement on a JSON array of message ids (its one parameter), compiled once: these run once
 * per transaction that writes messages, and the builder need not compile the same text each time.
 */
function withIds(query: (ids: string) => RawBuilder<unknown>): (messageIds: string[]) => Compilable<unknown> {
  const compiled = query('').compile(sqliteBuilder);
  return (messageIds) => ({ compile: () => ({ ...compiled, parameters: [JSON.stringify(messageIds)] }) });
}

const removeFromSearch = withIds(
  (ids) => sql`DELETE FROM "MessageSearch" WHERE rowid IN (SELECT "Message".rowid
    FROM json_each(${ids}) AS "changed" JOIN "Message" ON "Message"."id" = "changed"."value"
    WHERE "Message"."kind" = 'user' AND "Message"."deletedAt" IS NOT NULL)`,
);

const reindexInSearch = withIds(
  (ids) => sql`INSERT OR REPLACE INTO "MessageSearch" (rowid, text)
    SELECT "Message".rowid, "Message"."text"
    FROM json_each(${ids}) AS "changed" JOIN "Message" ON "Message"."id" = "changed"."value"
    WHERE "Message"."kind" = 'user' AND "Message"."deletedAt" IS NULL`,
);

export const sqliteDialect: Dialect = {
  name: 'sqlite',
  builder: sqliteBuilder,
  // The write lock is taken at once, so a transaction cannot fail half-way on a busy database.
  begin: 'BEGIN IMMEDIATE',
  // A read transaction sees one snapshot of the WAL.
  beginSnapshot: 'BEGIN',
  // Its statements run at once when called, so works that overlap interleave statement by statement.
  overlappingWorks: true,
  statementsAhead: false,
  // The FTS5 index's rows are the messages' rowids.
  messageTextMatches: (terms) =>
    sql<SqlBool>`"Message".rowid IN (SELECT rowid FROM "MessageSearch" WHERE "MessageSearch" MATCH ${terms
      .map((term) => `"${term}"*`)
      .join(' ')})`,
  // Not a trigger per row: once FTS5 has pending terms in a transaction, every later statement
  // that opens a savepoint (the next command's `seq` upsert, its inserts) makes FTS5 write them
  // out first, so a batch of 40 messages wrote 40 small index segments (about 20 µs per message).
  indexNewMessages: withIds(
    (ids) => sql`INSERT INTO "MessageSearch" (rowid, text)
        SELECT "Message".rowid, "Message"."text" FROM json_each(${ids}) AS "new"
        JOIN "Message" ON "Message"."id" = "new"."value"
        WHERE "Message"."kind" = 'user' AND "Message"."deletedAt" IS NULL
          AND NOT EXISTS (SELECT 1 FROM "MessageSearch" WHERE "MessageSearch".rowid = "Message".rowid)`,
  ),
  jsonObject: (fields) => sql`json_object(${jsonFields(fields)})`,
  jsonArrayOf: (element, order) => sql<string>`json_group_array(${element} ORDER BY ${order})`,
  jsonSet: (json, values) =>
    sql<string>`json_set(${json}, ${sql.join(
      values.flatMap(([path, value]) => [sql.lit(`$.${path.join('.')}`), sql`json(${sql.lit(value)})`]),
    )})`,
  // Edits and deletes too: a trigger per row left their terms pending the same way (an edit's
  // UPDATE cost about 33 µs of CPU under load, a reaction's INSERT 5). Each message's row as it is
  // at the commit decides: its text in the index while it is not deleted, out of it once it is.
  reindexMessages: (messageIds, deleted) => (deleted ? removeFromSearch : reindexInSearch)(messageIds),
};

export const postgresDialect: Dialect = {
  name: 'postgresql',
  builder: new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new CompileOnlyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  }),
  begin: 'BEGIN',
  beginSnapshot: 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  overlappingWorks: true,
  statementsAhead: true,
  // The expression of the GIN index, so that the planner uses it.
  messageTextMatches: (terms) =>
    sql<SqlBool>`to_tsvector('simple', "Message"."text") @@ to_tsquery('simple', ${terms
      .map((term) => `'${term}':*`)
      .join(' & ')})`,
  // Its GIN index follows the table.
  indexNewMessages: undefined,
  jsonObject: (fields) => sql`json_build_object(${jsonFields(fields)})`,
  // `json_agg` of no rows is null, not an empty array.
  jsonArrayOf: (element, order) => sql<string>`coalesce(json_agg(${element} ORDER BY ${order})::text, '[]')`,
  // Through jsonb: key order and spacing change (the text is only ever parsed again).
  jsonSet: (json, values) =>
    sql<string>`${values.reduce<RawBuilder<unknown>>(
      (set, [path, value]) => sql`jsonb_set(${set}, ${sql.lit(`{${path.join(',')}}`)}, ${sql.lit(value)}::jsonb)`,
      sql`${json}::jsonb`,
    )}::text`,
  reindexMessages: undefined,
};

/** The dialect a builder compiles for: for queries built once per dialect (see `prepare`). */
export function dialectOf(builder: Kysely<DB>): Dialect {
  return builder === sqliteDialect.builder ? sqliteDialect : postgresDialect;
}

/** SQLite's connection set-up, for every connection Tandem opens on the file. */
export const sqlitePragmas = [
  'journal_mode = WAL',
  // WAL + NORMAL: a commit survives a process crash; only an OS crash may lose the last ones.
  'synchronous = NORMAL',
  'foreign_keys = ON',
  // Checkpoints run on a thread of their own (see `WalCheckpointer`).
  'wal_autocheckpoint = 0',
  // 64 MB of pages (the default is 2 MB): the indexes that every command reads stay in memory.
  'cache_size = -65536',
  // Temporary tables (a RETURNING clause's rows, statement journals, sorts) in memory: on a file,
  // each statement that needs one looks for a temporary directory first, which made the
  // `seq` increment (an upsert with RETURNING) cost ten times its work.
  'temp_store = MEMORY',
];

/** The ISO text of the last second formatted, up to its milliseconds (`2026-12-07T06:00:00.`). */
let lastSecond = { start: Number.NaN, prefix: '' };

/**
 * `new Date(ms).toISOString()`: V8 formats a date through a printf-like formatter (about 7,000
 * instructions a call); a second's text is formatted once here, and each moment in it adds its
 * milliseconds.
 */
export function isoString(ms: number): string {
  const millis = ((ms % 1000) + 1000) % 1000;
  const start = ms - millis;
  if (start !== lastSecond.start) {
    const text = new Date(start).toISOString();
    lastSecond = { start, prefix: text.slice(0, -4) };
  }
  return `${lastSecond.prefix}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}

let lastTimestamp = { ms: Number.NaN, text: '' };

/**
 * A moment as both databases store it: ISO 8601 with `+00:00`, the format of Prisma's SQLite
 * adapter, so that Prisma and the builder read each other's rows. PostgreSQL's `timestamp`
 * columns take it as is and are read back into it.
 */
export function timestamp(date: Date | number = Date.now()): string {
  const ms = typeof date === 'number' ? date : date.getTime();
  // The commands of one batch mostly share their millisecond: its text is made once.
  if (ms !== lastTimestamp.ms) lastTimestamp = { ms, text: `${isoString(ms).slice(0, -1)}+00:00` };
  return lastTimestamp.text;
}

/** A stored timestamp back into a `Date` (also SQLite's `CURRENT_TIMESTAMP` format, from column defaults). */
export function fromTimestamp(value: string): Date {
  return new Date(value.includes('T') ? value : `${value.replace(' ', 'T')}Z`);
}

/** `fromTimestamp` as the contract's ISO string. */
export function isoTimestamp(value: string): string {
  // As `timestamp` stores it (`2026-01-02T03:04:05.678+00:00`): the same text up to the offset, read
  // without a `Date` (two per item a list sends).
  if (value.length === 29 && value.endsWith('+00:00') && value[10] === 'T' && value[19] === '.')
    return `${value.slice(0, 23)}Z`;
  return isoString(fromTimestamp(value).getTime());
}

/** A key already taken: SQLite's and PostgreSQL's codes (no write goes through Prisma Client). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

/** Another transaction won a race: it took the key first, or PostgreSQL aborted this one (deadlock, serialization). */
export const lostRace = (error: unknown): boolean =>
  isUniqueViolation(error) || ['40P01', '40001'].includes((error as { code?: string } | null)?.code ?? '');

/** Network errors, and PostgreSQL's "connection exception" (08…) and "operator intervention" (57P…) codes. */
const unreachableCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);
const unreachableMessages =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

/** Whether the database could not be reached (as opposed to refusing a statement). */
export function isUnreachable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (unreachableCodes.has(code) || code.startsWith('08') || code.startsWith('57P')))
    return true;
  return typeof message === 'string' && unreachableMessages.test(message);
}

/** What a command answers while the database is away: nothing was applied, and a retry may succeed. */
export class DatabaseUnreachable extends DomainError {
  constructor() {
    super(ErrorCode.Unavailable, 'the database is unreachable: the command was not applied; retry later', {
      retryAfterMs: 1_000, // when a client may try again
    });
  }
}

/** `error`, or `DatabaseUnreachable` if it says that the database could not be reached. */
export function unreachable(error: unknown): unknown {
  return isUnreachable(error) ? new DatabaseUnreachable() : error;
}
