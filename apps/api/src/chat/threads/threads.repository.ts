import { Injectable } from '@nestjs/common';
import { latestRepliersShown, type Message, type User } from '@tandem/contract';
import type { UnitOfWork } from '../../db/database.service.js';
import { timestamp } from '../../db/dialect.js';
import type { Sql } from '../../db/sql.js';
import { MessagesRepository } from '../messages.repository.js';
import { countReply, setLatestRepliers } from './threads.queries.js';

/** Replies read to name the latest repliers again after a delete: enough for a busy thread's last three. */
const repliesScannedForRepliers = 50;

/** A thread parent's summary (count, last reply, latest repliers) and the pages of its replies. */
@Injectable()
export class ThreadsRepository {
  constructor(private readonly messages: MessagesRepository) {}

  /** A new reply: one more in the count, its time the last, its author first among the latest repliers. */
  async replyAdded({ sql }: UnitOfWork, parentId: string, reply: Message): Promise<void> {
    // The increment takes the parent's row first, so the repliers it returns are the latest committed.
    const counted = await sql.first(countReply({ parentId, createdAt: timestamp(new Date(reply.createdAt)) }));
    const known = counted?.latestRepliers ? (JSON.parse(counted.latestRepliers) as User[]) : [];
    const latest = [reply.author, ...known.filter((user) => user.id !== reply.author.id)].slice(0, latestRepliersShown);
    await sql.run(setLatestRepliers({ id: parentId, latestRepliers: JSON.stringify(latest) }));
  }

  /** A reply was deleted: the summary is counted again from the replies left. */
  async replyRemoved({ sql }: UnitOfWork, parentId: string): Promise<void> {
    const left = sql.db.selectFrom('Message').where('replyToId', '=', parentId).where('deletedAt', 'is', null);
    const counted = await sql.first(left.select((eb) => eb.fn.countAll<number>().as('count')));
    const newest = await sql.all(
      left
        .innerJoin('User', 'User.id', 'Message.authorId')
        .select(['Message.authorId', 'User.name', 'Message.createdAt'])
        .orderBy('seq', 'desc')
        .limit(repliesScannedForRepliers),
    );
    const latest: User[] = [];
    for (const row of newest) {
      if (latest.length === latestRepliersShown) break;
      if (!latest.some((user) => user.id === row.authorId)) latest.push({ id: row.authorId, name: row.name });
    }
    await sql.run(
      sql.db
        .updateTable('Message')
        .set({
          replyCount: Number(counted?.count ?? 0),
          lastReplyAt: newest[0]?.createdAt ?? null,
          latestRepliers: latest.length > 0 ? JSON.stringify(latest) : null,
        })
        .where('id', '=', parentId),
    );
  }

  /** Up to `limit` of the thread's replies before `beforeSeq` (or the newest), oldest first. */
  repliesBefore(
    parentId: string,
    beforeSeq: number | undefined,
    limit: number,
    sql: Sql,
  ): Promise<{ messages: Message[]; more: boolean }> {
    return this.messages.pageBefore((query) => query.where('replyToId', '=', parentId), beforeSeq, limit, sql);
  }
}
