import { sql as raw } from 'kysely';
import type { DB } from '../generated/kysely/database.js';
import { prepareShapes, type Sql } from './sql.js';

type Table = keyof DB;

/** Per column, the value a row must hold there; `null`: the column is null. */
export type RowMatch<T extends Table> = Partial<Record<keyof DB[T] & string, string | number | null>>;

interface Shape {
  table: Table;
  columns: { name: string; isNull: boolean }[];
}

const hasRowQuery = prepareShapes(
  (shape: Shape) =>
    `${shape.table}(${shape.columns.map((column) => `${column.name}${column.isNull ? ' null' : ''}`).join()})`,
  (db, values: Record<string, unknown>, shape: Shape) =>
    shape.columns
      .reduce(
        (query, column) =>
          column.isNull
            ? query.where(raw.ref(column.name), 'is', null)
            : query.where(raw.ref(column.name), '=', values[column.name]),
        db.selectFrom(shape.table as 'User').select(raw<number>`1`.as('found')),
      )
      .limit(1),
);

/** Whether `table` has a row that matches: one existence query for every table, compiled once per table and columns. */
export async function hasRow<T extends Table>(sql: Sql, table: T, match: RowMatch<T>): Promise<boolean> {
  const columns = Object.entries(match).map(([name, value]) => ({ name, isNull: value === null }));
  return (await sql.first(hasRowQuery({ table, columns }, match as Record<string, unknown>))) !== undefined;
}
