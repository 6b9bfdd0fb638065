import { Injectable } from '@nestjs/common';
import type { Change, Namespace } from '@tandem/contract';
import type { Kysely } from 'kysely';
import type { ChangeCommitted } from '../common/domain-events.js';
import { toJson } from '../common/encoded-once.js';
import type { DB } from '../generated/kysely/database.js';
import { DatabaseService, type BeforeCommit, type UnitOfWork } from './database.service.js';
import { timestamp } from './dialect.js';
import type { Sequence } from './sequences.js';
import { prepare, prepareRows, prepareShapes, type Prepared, type Sql } from './sql.js';

export interface AppendedChange<D> {
  seq: number;
  data: D;
}

/** `count` streams' counters, each as `key{i}` and `seq{i}` (sorted by key: rows locked in one order on every node). */
const streamRows = (db: Kysely<DB>, row: Record<string, unknown>, count: number) =>
  db.insertInto('ChangeStream').values(
    Array.from({ length: count }, (_, index) => ({
      key: row[`key${index}`] as string,
      seq: row[`seq${index}`] as number,
    })),
  );

/** The increment happens in the database, inside the transaction: gap-free with any number of writers. */
const advanceStreams = prepareShapes(
  (count: number) => String(count),
  (db, row: Record<string, unknown>, count) =>
    streamRows(db, row, count)
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet((eb) => ({ seq: eb('ChangeStream.seq', '+', eb.ref('excluded.seq')) })),
      )
      .returning(['key', 'seq']),
);

const storeStreams = prepareShapes(
  (count: number) => String(count),
  (db, row: Record<string, unknown>, count) =>
    streamRows(db, row, count).onConflict((conflict) =>
      conflict.column('key').doUpdateSet((eb) => ({ seq: eb.ref('excluded.seq') })),
    ),
);

function streamValues(values: Map<string, number>): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  [...values.keys()].sort().forEach((key, index) => {
    row[`key${index}`] = key;
    row[`seq${index}`] = values.get(key);
  });
  return row;
}

/** The streams' seqs, taken through `UnitOfWork.take`: a batch's changes of one stream take theirs together. */
const changeStreams: Sequence = {
  table: 'ChangeStream',
  async advance(counts, sql) {
    const rows = await sql.all(advanceStreams(counts.size, streamValues(counts)));
    return new Map(rows.map((row) => [row.key, row.seq]));
  },
  async store(values, sql) {
    await sql.run(storeStreams(values.size, streamValues(values)));
  },
};

interface ChangeRow {
  streamKey: string;
  seq: number;
  event: string;
  data: string;
  messageId: string | null;
  createdAt: string;
}

const insertChanges = prepareRows('Change', ['streamKey', 'seq', 'event', 'data', 'messageId', 'createdAt'] as const);

/**
 * A transaction's `Change` rows, in one statement before its commit (or before a statement of
 * the same transaction that reads `Change`).
 */
const recordChanges: BeforeCommit<ChangeRow> = {
  table: 'Change',
  async run(rows, sql) {
    await sql.run(insertChanges(rows));
  },
};

const currentSeq = prepare((db, stream: { key: string }) =>
  db.selectFrom('ChangeStream').select('seq').where('key', '=', stream.key),
);

const changesSince = prepare((db, range: { streamKey: string; sinceSeq: number; limit: number }) =>
  db
    .selectFrom('Change')
    .select(['seq', 'event', 'data'])
    .where('streamKey', '=', range.streamKey)
    .where('seq', '>', range.sinceSeq)
    .orderBy('seq')
    .limit(range.limit),
);

/**
 * Changes of one event that a feature records in its own rows instead of `Change` rows (see
 * `append`'s `records`): a stream's records there since a seq, oldest first, `data` as broadcast
 * (null on rows whose change is a `Change` row).
 */
export interface RecordedApart {
  event: string;
  since(range: { spaceId: string; sinceSeq: number; limit: number }): Prepared<{ seq: number; data: string | null }>;
}

/**
 * The per-stream change log: allocates the next `seq` of a stream and records the broadcast in
 * the same transaction as the change it describes, so resync can replay exactly what was sent.
 * A `latest` change only takes its `seq`: nothing replays it (its subscribers catch up with a
 * snapshot), so it is not recorded — the feature's own tables keep its history. A change whose
 * feature row keeps its record (a new message) is not recorded twice: see `RecordedApart`.
 */
@Injectable()
export class ChangeLogRepository {
  constructor(private readonly database: DatabaseService) {}

  async append<D>(
    context: UnitOfWork,
    entry: {
      namespace: Namespace;
      stream: string;
      event: string;
      /**
       * What the change carries; a promise when it is written or read once the seq is taken (on
       * PostgreSQL, once another node's change to the stream has committed: it is then seen).
       */
      data: (seq: number) => D | Promise<D>;
      /** `latest`: neither recorded nor broadcast as is (see `ChangeCommitted.delivery`). */
      delivery?: ChangeCommitted['delivery'];
      /** The message the change carries: its row names it, for the message's deletion to find. */
      messageId?: string;
      /**
       * The feature's own write that keeps the change's record (`record`: the payload as JSON), read
       * back through its `RecordedApart`: the change gets no `Change` row.
       */
      records?: (seq: number, record: string) => Promise<unknown>;
    },
  ): Promise<AppendedChange<D>> {
    const { namespace, stream, event, delivery = 'each', records, messageId = null } = entry;
    const seq = await context.take(changeStreams, stream);
    const made = entry.data(seq);
    const data = made instanceof Promise ? await made : made;
    context.publishAfterCommit({ namespace, stream, seq, event, data, delivery });
    if (records) await records(seq, toJson(data));
    else if (delivery !== 'latest') {
      context.beforeCommit(recordChanges, {
        streamKey: stream,
        seq,
        event,
        data: toJson(data),
        messageId,
        createdAt: timestamp(),
      });
    }
    return { seq, data };
  }

  /**
   * The next number of a counter kept beside the streams' seqs (`key`, not a stream's), taken like
   * them: asked in the same turn as a seq, in the same statement, and numbered in the same order.
   */
  count(context: UnitOfWork, key: string): Promise<number> {
    return context.take(changeStreams, key);
  }

  async currentSeq(stream: string, sql: Sql = this.database.reader): Promise<number> {
    return (await sql.first(currentSeq({ key: stream })))?.seq ?? 0;
  }

  async currentSeqs(streams: string[], sql: Sql = this.database.reader): Promise<Map<string, number>> {
    if (streams.length === 0) return new Map();
    const rows = await sql.all(sql.db.selectFrom('ChangeStream').selectAll().where('key', 'in', streams));
    return new Map(rows.map((row) => [row.key, row.seq]));
  }

  /**
   * The changes after `sinceSeq`, oldest first, at most `limit` of them; `apart`: those the
   * stream's feature keeps in its own rows (the stream's space and how to read them), merged in.
   */
  async since(
    stream: string,
    sinceSeq: number,
    limit: number,
    sql: Sql = this.database.reader,
    apart?: { spaceId: string; records: RecordedApart },
  ): Promise<Change[]> {
    const rows = await sql.all(changesSince({ streamKey: stream, sinceSeq, limit }));
    const changes = rows.map((row) => ({ seq: row.seq, event: row.event, data: JSON.parse(row.data) as unknown }));
    if (!apart) return changes;
    const kept = await sql.all(apart.records.since({ spaceId: apart.spaceId, sinceSeq, limit }));
    for (const row of kept) {
      if (row.data !== null) changes.push({ seq: row.seq, event: apart.records.event, data: JSON.parse(row.data) });
    }
    return changes.sort((a, b) => a.seq - b.seq).slice(0, limit);
  }
}
