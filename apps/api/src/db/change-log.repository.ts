import { Injectable } from '@nestjs/common';
import type { Change, Namespace } from '@tandem/contract';
import type { ChangeCommitted } from '../common/domain-events.js';
import { DatabaseService, type Transaction, type WriteContext } from './database.service.js';

export interface AppendedChange<D> {
  seq: number;
  data: D;
}

/**
 * The per-stream change log: allocates the next `seq` of a stream and records the broadcast in
 * the same transaction as the change it describes, so resync can replay exactly what was sent.
 */
@Injectable()
export class ChangeLogRepository {
  constructor(private readonly database: DatabaseService) {}

  async append<D>(
    context: WriteContext,
    entry: {
      namespace: Namespace;
      stream: string;
      event: string;
      data: (seq: number) => D;
      /** `latest`: logged, but not broadcast as is (see `ChangeCommitted.delivery`). */
      delivery?: ChangeCommitted['delivery'];
    },
  ): Promise<AppendedChange<D>> {
    // The increment happens in the database, inside the transaction: gap-free with any number of writers.
    const { seq } = await context.tx.changeStream.upsert({
      where: { key: entry.stream },
      create: { key: entry.stream, seq: 1 },
      update: { seq: { increment: 1 } },
      select: { seq: true },
    });
    const data = entry.data(seq);
    await context.tx.change.create({
      data: { streamKey: entry.stream, seq, event: entry.event, data: JSON.stringify(data) },
    });
    const { namespace, stream, event, delivery = 'each' } = entry;
    context.publishAfterCommit({ namespace, stream, seq, event, data, delivery });
    return { seq, data };
  }

  async currentSeq(stream: string, db: Transaction = this.database.client): Promise<number> {
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
