import pg from 'pg';
import type { SqlConnection } from './connections.js';
import { timestamp, unreachable, type Dialect } from './dialect.js';
import type { Session } from './sessions.js';
import { Sql } from './sql.js';
import { StatementGroup, protocolValues, type GroupedStatement, type StatementResult } from './statement-groups.js';

/*
 * What runs on PostgreSQL alone: `DatabaseService` loads this module (and `pg` with it) only
 * when the configuration names a PostgreSQL database (see `postgresDriver` in ./database.module.ts).
 */

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
  /** A transaction's client: the statements of one turn of the event loop, sent as one group. */
  private readonly grouping: boolean;
  private group: GroupedStatement[] | undefined;

  constructor(private readonly client: pg.Pool | pg.PoolClient) {
    this.grouping = !(client instanceof pg.Pool);
  }

  async rows(sql: string, parameters: readonly unknown[], name?: string): Promise<unknown[]> {
    return (await this.query(sql, parameters, name)).rows;
  }

  async changes(sql: string, parameters: readonly unknown[], name?: string): Promise<number> {
    return (await this.query(sql, parameters, name)).rowCount;
  }

  private async query(sql: string, parameters: readonly unknown[], name: string | undefined): Promise<StatementResult> {
    if (!this.grouping) {
      const result = await this.client.query(query(sql, parameters, name));
      return { rows: result.rows as unknown[], rowCount: result.rowCount ?? 0 };
    }
    const values = protocolValues(parameters);
    return new Promise((resolve, reject) => this.join({ sql, name, values, resolve, reject }));
  }

  /**
   * The works of a batch run at once (see `Dialect.overlappingWorks`) and send their statements
   * in step: each writes its next one as the previous answers arrive. Held until the loop's check
   * phase, a step's statements leave as one group (see `StatementGroup`), answered in one go.
   */
  private join(statement: GroupedStatement): void {
    if (this.group) {
      this.group.push(statement);
      return;
    }
    const group = (this.group = [statement]);
    setImmediate(() => {
      this.group = undefined;
      void this.client.query(new StatementGroup(group, sameShapes) as unknown as pg.Submittable);
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
    // Groups sent without waiting for the previous one's answer (see `Dialect.overlappingWorks`).
    pipeline: true,
    // Every statement Tandem runs often finds its rows by an index. A named statement's plan is
    // made once per connection, at its sixth run (a generic plan), from the table's size at that
    // moment: on a new database the tables are nearly empty then, a sequential scan looks cheapest,
    // and it stays cached while they grow (until an ANALYZE, never with autovacuum off). The opId
    // lookup then read the whole `ProcessedOp` table per batch, and foreign keys' checks the whole
    // `User` table per row.
    options: '-c enable_seqscan=off',
    connectionTimeoutMillis: 5_000,
  });
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
