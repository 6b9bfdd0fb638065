import pg from 'pg';

/** A statement waiting in a group: its SQL, its name if the server keeps it prepared, and who waits for its result. */
export interface GroupedStatement {
  sql: string;
  name: string | undefined;
  values: unknown[];
  resolve: (result: StatementResult) => void;
  reject: (error: unknown) => void;
}

export interface StatementResult {
  rows: unknown[];
  rowCount: number;
}

/** What `pg` keeps per server connection about named statements (not in its type definitions). */
interface ProtocolConnection {
  stream: { cork(): void; uncork(): void };
  parsedStatements: Record<string, string>;
  submittedNamedStatements: Record<string, string>;
  parse(query: { text: string; name?: string }): void;
  bind(config: { statement?: string; values: unknown[] }): void;
  describe(message: { type: 'P'; name: string }): void;
  execute(config: Record<string, never>): void;
  sync(): void;
}

interface RowDescription {
  fields: { name: string; dataTypeID: number; format: string }[];
}

/** A named statement's columns and their parsers, as its first run described them (the same on every connection). */
interface Columns {
  names: string[];
  parsers: ((value: string) => unknown)[];
}

const { utils } = pg as unknown as { utils: { prepareValue: (value: unknown) => unknown } };

/**
 * `pg` runs only its own `Query` on a pipelined connection, and tells it of each protocol message
 * (rows, completion, errors, the end of the group): a group is one, with hooks of its own.
 */
const QueryBase = pg.Query as unknown as new (config: { text: string }) => object;

/**
 * Statements sent as one group on a transaction's connection: each statement's Parse (the first
 * time its name is used there), Bind and Execute, then a single Sync. The server answers the whole
 * group in one go instead of flushing a reply per statement, and takes one turn of its command
 * loop for it; inside a transaction nothing else changes: an error aborts the transaction either
 * way, so the statements after a failed one (which the server skips until the Sync) fail with the
 * same error. A named statement's columns are described on its first run only.
 */
export class StatementGroup extends QueryBase {
  private static readonly columns = new Map<string, Columns>();
  /** The statement whose answer comes next. */
  private current = 0;
  private collected: unknown[] = [];
  private described: Columns | undefined;

  constructor(
    private readonly statements: GroupedStatement[],
    private readonly typeParsers: { getTypeParser(oid: number, format?: 'text' | 'binary'): unknown },
  ) {
    super({ text: '' });
  }

  // `pg` reads these of the query it waits on: a statement just parsed is recorded under its name,
  // and forgotten when the server refused it.
  get name(): string | undefined {
    return this.statements[this.current]?.name;
  }
  set name(_ignored: string | undefined) {}
  get text(): string | undefined {
    return this.statements[this.current]?.sql;
  }
  set text(_ignored: string | undefined) {}

  submit(connection: ProtocolConnection): null {
    connection.stream.cork();
    try {
      for (const statement of this.statements) {
        const { name } = statement;
        const parsed =
          name !== undefined &&
          (connection.parsedStatements[name] !== undefined || connection.submittedNamedStatements[name] !== undefined);
        if (!parsed) {
          connection.parse({ text: statement.sql, ...(name === undefined ? {} : { name }) });
          if (name !== undefined) connection.submittedNamedStatements[name] = statement.sql;
        }
        connection.bind(
          name === undefined ? { values: statement.values } : { statement: name, values: statement.values },
        );
        if (name === undefined || !StatementGroup.columns.has(name)) connection.describe({ type: 'P', name: '' });
        connection.execute({});
      }
      connection.sync();
    } finally {
      connection.stream.uncork();
    }
    return null;
  }

  handleRowDescription(message: RowDescription): void {
    const columns: Columns = {
      names: message.fields.map((field) => field.name),
      parsers: message.fields.map(
        (field) =>
          this.typeParsers.getTypeParser(field.dataTypeID, field.format as 'text') as (value: string) => unknown,
      ),
    };
    this.described = columns;
    const name = this.name;
    if (name !== undefined) StatementGroup.columns.set(name, columns);
  }

  handleDataRow(message: { fields: (string | null)[] }): void {
    const name = this.name;
    const columns = this.described ?? (name === undefined ? undefined : StatementGroup.columns.get(name));
    if (!columns) throw new Error(`rows of an undescribed statement: ${this.text}`);
    const { names, parsers } = columns;
    const { fields } = message;
    const row: Record<string, unknown> = {};
    for (let index = 0; index < fields.length; index++) {
      const value = fields[index]!;
      row[names[index]!] = value === null ? null : parsers[index]!(value);
    }
    this.collected.push(row);
  }

  handleCommandComplete(message: { text: string }): void {
    const count = /(\d+)$/.exec(message.text);
    this.complete(count ? Number(count[1]) : 0);
  }

  handleEmptyQuery(): void {
    this.complete(0);
  }

  /** The server refused a statement (the ones after it were skipped), or the connection failed. */
  handleError(error: unknown, connection?: ProtocolConnection): void {
    const left = this.statements.splice(this.current);
    left.forEach((statement, index) => {
      // Never parsed: skipped after the failed one.
      if (index > 0 && statement.name !== undefined && connection?.parsedStatements[statement.name] === undefined)
        delete connection?.submittedNamedStatements[statement.name];
      statement.reject(error);
    });
  }

  handleReadyForQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyInResponse(): void {}
  handleCopyData(): void {}

  private complete(rowCount: number): void {
    const statement = this.statements[this.current];
    this.current += 1;
    const rows = this.collected;
    this.collected = [];
    this.described = undefined;
    statement?.resolve({ rows, rowCount });
  }
}

/** A statement's parameters as `pg` sends them (text). */
export function protocolValues(parameters: readonly unknown[]): unknown[] {
  return parameters.map((value) => utils.prepareValue(value));
}
