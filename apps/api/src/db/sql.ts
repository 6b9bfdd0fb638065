import type { Compilable, Kysely } from 'kysely';
import type { DB } from '../generated/kysely/database.js';
import type { SqlConnection } from './connections.js';
import { unreachable, type Dialect } from './dialect.js';

/** A query built once per dialect (and shape, see `prepareShapes`), with named parameters (see `prepare`). */
export interface Prepared<R> {
  readonly source: PreparedSource;
  readonly shape: unknown;
  /** By name (`prepare`), or in the statement's order (`prepareRows`). */
  readonly values: Record<string, unknown> | readonly unknown[];
  /** Carries the row type only. */
  readonly row?: R;
}

/** One compiled statement: its SQL, its name on servers that keep prepared statements, and its values in order. */
interface CompiledStatement {
  sql: string;
  name: string;
  writes: boolean;
  /** The statement's parameters from a `Prepared`'s values, in order: worked out once per statement. */
  bind: (values: Prepared<unknown>['values']) => readonly unknown[];
}

/** A parameter stands in the built query as this marker followed by its name. */
const marker = '\u0000:';
let statementCount = 0;

/** Stand-ins for the parameters: each property read gives the marker and the property's name. */
const standIns = new Proxy({}, { get: (_target, key) => `${marker}${String(key)}` });

/** Builds and compiles a query once per dialect and shape. */
class PreparedSource {
  private readonly statements = new Map<string, CompiledStatement>();

  /** `positional`: the parameters' names are their places in an array of values (see `prepareRows`). */
  constructor(
    private readonly build: (db: Kysely<DB>, parameters: never, shape: never) => Compilable<unknown>,
    private readonly keyOf: (shape: never) => string,
    private readonly positional = false,
  ) {}

  compiled(dialect: Dialect, shape: unknown): CompiledStatement {
    const key = `${dialect.name}:${this.keyOf(shape as never)}`;
    let statement = this.statements.get(key);
    if (!statement) {
      const { sql, parameters, query } = this.build(dialect.builder, standIns as never, shape as never).compile();
      const parameterNames = parameters.map((value) =>
        typeof value === 'string' && value.startsWith(marker) ? value.slice(marker.length) : undefined,
      );
      const constants = parameters.map((value, index) => (parameterNames[index] === undefined ? value : undefined));
      statement = {
        sql,
        name: `tandem_${++statementCount}`,
        writes: query.kind !== 'SelectQueryNode',
        bind: this.positional ? bindPositions(parameterNames) : bindNames(parameterNames, constants),
      };
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/** Values by name into the statement's order (`undefined` names: constants of the query). */
function bindNames(names: (string | undefined)[], constants: unknown[]): CompiledStatement['bind'] {
  // Names as property keys (internalized strings), so that each lookup is a plain property read.
  const keys = names.map((name) => (name === undefined ? undefined : Object.keys({ [name]: 0 })[0]));
  return (values) => {
    const named = values as Record<string, unknown>;
    const parameters = new Array<unknown>(keys.length);
    for (let index = 0; index < keys.length; index++) {
      const key = keys[index];
      parameters[index] = key === undefined ? constants[index] : named[key];
    }
    return parameters;
  };
}

/** Values given in an array, each named by its place there: in the statement's order, so they go as they are. */
function bindPositions(names: (string | undefined)[]): CompiledStatement['bind'] {
  if (names.some((name, index) => name !== String(index))) {
    throw new Error(`the values of a positional statement are not in its order: ${names.join(', ')}`);
  }
  return (values) => values as readonly unknown[];
}

/**
 * A query whose SQL is built and compiled once per dialect, then run with new values: the
 * builder's cost (a few microseconds per statement) is paid once. `build` receives stand-ins for
 * the parameters; it must use them only as values, one by one (not to choose the query's
 * shape, nor as a whole object: the stand-ins have no keys to enumerate).
 */
export function prepare<P extends Record<string, unknown>, R>(
  build: (db: Kysely<DB>, parameters: P) => Compilable<R>,
): (values: P) => Prepared<R> {
  const source = new PreparedSource(build, () => '');
  return (values) => ({ source, shape: undefined, values });
}

/**
 * `prepare` for a query of a few shapes (an update that sets some columns, not others): `build`
 * also receives the shape, which may choose the query's form; each shape is compiled once, under
 * the key `keyOf` gives it (equal keys: the same form).
 */
export function prepareShapes<S, P extends Record<string, unknown>, R>(
  keyOf: (shape: S) => string,
  build: (db: Kysely<DB>, parameters: P, shape: S) => Compilable<R>,
): (shape: S, values: P) => Prepared<R> {
  const source = new PreparedSource(build, keyOf);
  return (shape, values) => ({ source, shape, values });
}

/**
 * `prepareShapes` whose values are one array (a batch's keys), each named by its place there and
 * given in the statement's order, which is checked when a shape is compiled: no object of names
 * is built and read back per run (see `prepareRows`).
 */
export function prepareList<S, R>(
  keyOf: (shape: S) => string,
  build: (db: Kysely<DB>, values: readonly unknown[], shape: S) => Compilable<R>,
): (shape: S, values: readonly unknown[]) => Prepared<R> {
  const source = new PreparedSource(build, keyOf, true);
  return (shape, values) => ({ source, shape, values });
}

/**
 * An insert of rows into `table`, compiled once per number of rows: parameters `column0` …
 * `column{count - 1}` for each of `columns`.
 */
export function prepareRows<C extends string>(
  table: keyof DB,
  columns: readonly C[],
): (rows: Record<C, unknown>[]) => Prepared<unknown> {
  // Each value is named by its place in the rows' values, row after row: those values are the
  // statement's parameters as they are, with no object of names built per run.
  const build = (db: Kysely<DB>, value: Record<string, unknown>, count: number) =>
    db
      .insertInto(table)
      .values(
        Array.from({ length: count }, (_, row) =>
          Object.fromEntries(columns.map((column, index) => [column, value[row * columns.length + index]])),
        ),
      );
  const source = new PreparedSource(build, (count: number) => String(count), true);
  return (rows) => {
    const values = new Array<unknown>(rows.length * columns.length);
    let place = 0;
    for (const row of rows) for (const column of columns) values[place++] = row[column];
    return { source, shape: rows.length, values };
  };
}

type Query<R> = Compilable<R> | Prepared<R>;

/** What a unit of work's statements tell, and wait for (see `runJobs`). */
export interface StatementHooks {
  /** Told of every statement that changed data (one that is not a SELECT, and changed or returned rows). */
  onWrite?: () => void;
  /** Awaited, when it gives a promise, before the statement runs (say, numbers taken to store first: `Counters`). */
  beforeStatement?: (sql: string) => Promise<unknown> | undefined;
}

/**
 * The only way queries run: on one transaction's connection (handed to a unit of work, see
 * `DatabaseService.write`) or on the readers' connection. `db` builds queries.
 */
export class Sql {
  constructor(
    readonly dialect: Dialect,
    private readonly connection: SqlConnection,
    private readonly hooks: StatementHooks = {},
  ) {}

  /** The same connection, its statements telling and waiting for `hooks`. */
  withHooks(hooks: StatementHooks): Sql {
    return new Sql(this.dialect, this.connection, hooks);
  }

  get db(): Kysely<DB> {
    return this.dialect.builder;
  }

  async all<R>(query: Query<R>): Promise<R[]> {
    const { sql, parameters, name, writes } = this.compile(query);
    const waiting = this.hooks.beforeStatement?.(sql);
    if (waiting) await waiting;
    try {
      const result = this.connection.rows(sql, parameters, name);
      // SQLite answers at once: no turn of the microtask queue for it.
      const rows = (result instanceof Promise ? await result : result) as R[];
      if (writes && rows.length > 0) this.hooks.onWrite?.();
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
    const waiting = this.hooks.beforeStatement?.(sql);
    if (waiting) await waiting;
    try {
      const result = this.connection.changes(sql, parameters, name);
      const changed = result instanceof Promise ? await result : result;
      if (writes && changed > 0) this.hooks.onWrite?.();
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
    if ('source' in query) {
      const { sql, name, writes, bind } = query.source.compiled(this.dialect, query.shape);
      return { sql, parameters: bind(query.values), name, writes };
    }
    const { sql, parameters, query: node } = query.compile();
    return { sql, parameters, writes: node.kind !== 'SelectQueryNode' };
  }
}
