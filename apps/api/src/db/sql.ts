import type { Compilable, Kysely } from 'kysely';
import type { DB } from '../generated/kysely/database.js';
import type { SqlConnection } from './connections.js';
import { unreachable, type Dialect, type DialectName } from './dialect.js';

/** A query built once per dialect, with named parameters (see `prepare`). */
export interface Prepared<R> {
  readonly compiled: (dialect: Dialect) => PreparedSql;
  readonly values: Record<string, unknown>;
  /** Carries the row type only. */
  readonly row?: R;
}

type Slot = { parameter: string } | { constant: unknown };
interface PreparedSql {
  sql: string;
  slots: Slot[];
  name: string;
  writes: boolean;
}

/** A parameter stands in the built query as this marker followed by its name. */
const marker = '\u0000:';
let preparedCount = 0;

/**
 * A query whose SQL is built and compiled once per dialect, then run with new values: the
 * builder's cost (a few microseconds per statement) is paid once. `build` receives stand-ins for
 * the parameters; it must use them only as values, one by one (not to choose the query's
 * shape, nor as a whole object: the stand-ins have no keys to enumerate).
 */
export function prepare<P extends Record<string, unknown>, R>(
  build: (db: Kysely<DB>, parameters: P) => Compilable<R>,
): (values: P) => Prepared<R> {
  const name = `tandem_${++preparedCount}`;
  const byDialect = new Map<DialectName, PreparedSql>();
  const standIns = new Proxy({} as P, { get: (_target, key) => `${marker}${String(key)}` });
  const compiled = (dialect: Dialect) => {
    let query = byDialect.get(dialect.name);
    if (!query) {
      const { sql, parameters, query: node } = build(dialect.builder, standIns).compile();
      const slots = parameters.map((value): Slot =>
        typeof value === 'string' && value.startsWith(marker)
          ? { parameter: value.slice(marker.length) }
          : { constant: value },
      );
      query = { sql, slots, name, writes: node.kind !== 'SelectQueryNode' };
      byDialect.set(dialect.name, query);
    }
    return query;
  };
  return (values) => ({ compiled, values });
}

type Query<R> = Compilable<R> | Prepared<R>;

/**
 * The only way queries run: on one transaction's connection (handed to a unit of work, see
 * `DatabaseService.write`) or on the readers' connection. `db` builds queries.
 */
export class Sql {
  constructor(
    readonly dialect: Dialect,
    private readonly connection: SqlConnection,
    /** Told of every statement that changed data (one that is not a SELECT, and changed or returned rows). */
    private readonly onWrite?: () => void,
  ) {}

  /** The same connection, telling `onWrite` of the statements that changed data. */
  watchingWrites(onWrite: () => void): Sql {
    return new Sql(this.dialect, this.connection, onWrite);
  }

  get db(): Kysely<DB> {
    return this.dialect.builder;
  }

  async all<R>(query: Query<R>): Promise<R[]> {
    const { sql, parameters, name, writes } = this.compile(query);
    try {
      const rows = (await this.connection.rows(sql, parameters, name)) as R[];
      if (writes && rows.length > 0) this.onWrite?.();
      return rows;
    } catch (error) {
      throw unreachable(error);
    }
  }

  async first<R>(query: Query<R>): Promise<R | undefined> {
    return (await this.all(query))[0];
  }

  /** Runs a statement; the number of rows it changed. */
  async run(query: Query<unknown>): Promise<number> {
    const { sql, parameters, name, writes } = this.compile(query);
    try {
      const changed = await this.connection.changes(sql, parameters, name);
      if (writes && changed > 0) this.onWrite?.();
      return changed;
    } catch (error) {
      throw unreachable(error);
    }
  }

  /** Runs SQL that takes no parameters (transaction control). */
  async execute(sql: string): Promise<void> {
    try {
      await this.connection.changes(sql, []);
    } catch (error) {
      throw unreachable(error);
    }
  }

  private compile(query: Query<unknown>): {
    sql: string;
    parameters: readonly unknown[];
    name?: string;
    writes: boolean;
  } {
    if ('compiled' in query) {
      const { sql, slots, name, writes } = query.compiled(this.dialect);
      const parameters = slots.map((slot) => ('parameter' in slot ? query.values[slot.parameter] : slot.constant));
      return { sql, parameters, name, writes };
    }
    const { sql, parameters, query: node } = query.compile();
    return { sql, parameters, writes: node.kind !== 'SelectQueryNode' };
  }
}
