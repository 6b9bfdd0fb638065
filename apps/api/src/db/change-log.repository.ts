import { Injectable } from '@nestjs/common';
import type { Change, Namespace } from '@tandem/contract';
import type { ChangeCommitted } from '../common/domain-events.js';
import { DatabaseService, type DirectWriteContext, type Reader } from './database.service.js';
import { SqliteStatements, sqliteTimestamp } from './sqlite-statements.js';

export interface AppendedChange<D> {
  seq: number;
  data: D;
}

/**
 * The per-stream change log: allocates the next `seq` of a stream and records the broadcast in
 * the same transaction as the change it describes, so resync can replay exactly what was sent.
 * A `latest` change only takes its `seq`: nothing replays it (its subscribers catch up with a
 * snapshot), so it is not recorded — the feature's own tables keep its history.
 */
@Injectable()
export class ChangeLogRepository {
  constructor(private readonly database: DatabaseService) {}

  async append<D>(
    context: DirectWriteContext,
    entry: {
      namespace: Namespace;
      stream: string;
      event: string;
      data: (seq: number) => D;
      /** `latest`: neither recorded nor broadcast as is (see `ChangeCommitted.delivery`). */
      delivery?: ChangeCommitted['delivery'];
    },
  ): Promise<AppendedChange<D>> {
    const { namespace, stream, event, delivery = 'each' } = entry;
    const seq = await nextSeq(context.db, stream);
    const data = entry.data(seq);
    context.publishAfterCommit({ namespace, stream, seq, event, data, delivery });
    if (delivery === 'latest') return { seq, data };
    const json = JSON.stringify(data);
    if (context.db instanceof SqliteStatements) {
      context.db.run(
        'INSERT INTO Change (streamKey, seq, event, data, createdAt) VALUES (?, ?, ?, ?, ?)',
        stream,
        seq,
        event,
        json,
        sqliteTimestamp(new Date()),
      );
    } else {
      await context.db.change.create({ data: { streamKey: stream, seq, event, data: json }, select: { seq: true } });
    }
    return { seq, data };
  }

  async currentSeq(stream: string, db: Reader = this.database.client): Promise<number> {
    if (db instanceof SqliteStatements)
      return db.get<{ seq: number }>('SELECT seq FROM ChangeStream WHERE key = ?', stream)?.seq ?? 0;
    const row = await db.changeStream.findUnique({ where: { key: stream }, select: { seq: true } });
    return row?.seq ?? 0;
  }

  async currentSeqs(streams: string[]): Promise<Map<string, number>> {
    const rows = await this.database.client.changeStream.findMany({ where: { key: { in: streams } } });
    return new Map(rows.map((row) => [row.key, row.seq]));
  }

  /** The changes after `sinceSeq`, oldest first, at most `limit` of them. */
  async since(stream: string, sinceSeq: number, limit: number): Promise<Change[]> {
    const rows = await this.database.client.change.findMany({
      where: { streamKey: stream, seq: { gt: sinceSeq } },
      orderBy: { seq: 'asc' },
      take: limit,
    });
    return rows.map((row) => ({ seq: row.seq, event: row.event, data: JSON.parse(row.data) as unknown }));
  }
}

/** The increment happens in the database, inside the transaction: gap-free with any number of writers. */
async function nextSeq(db: Reader, stream: string): Promise<number> {
  if (db instanceof SqliteStatements) {
    return db.get<{ seq: number }>(
      'INSERT INTO ChangeStream (key, seq) VALUES (?, 1) ON CONFLICT (key) DO UPDATE SET seq = seq + 1 RETURNING seq',
      stream,
    )!.seq;
  }
  const { seq } = await db.changeStream.upsert({
    where: { key: stream },
    create: { key: stream, seq: 1 },
    update: { seq: { increment: 1 } },
    select: { seq: true },
  });
  return seq;
}
