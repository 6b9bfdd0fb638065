import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../db/database.service.js';

/** Unread counts are asked in slices, so that one query's conditions stay well within the databases' limits. */
const unreadQuerySlice = 200;

/** The unread counts of the chat's rooms, for one user. */
@Injectable()
export class UnreadCounts {
  constructor(private readonly database: DatabaseService) {}

  /**
   * Per room, the messages after the marker that count as unread for the user — by someone else,
   * not deleted, not a system message, not a reply (the rule of the contract's `countsAsUnread`) — and those
   * of them that mention the user.
   */
  async counts(
    userId: string,
    markers: { roomId: string; readSeq: number }[],
  ): Promise<Map<string, { unread: number; mentions: number }>> {
    const sql = this.database.reader;
    const counts = new Map<string, { unread: number; mentions: number }>();
    for (let start = 0; start < markers.length; start += unreadQuerySlice) {
      const slice = markers.slice(start, start + unreadQuerySlice);
      const rows = await sql.all(
        sql.db
          .selectFrom('Message')
          .select((eb) => [
            'roomId',
            eb.fn.countAll<number>().as('unread'),
            eb.fn
              .sum<number>(
                eb
                  .case()
                  .when(
                    eb.exists(
                      eb
                        .selectFrom('MessageMention')
                        .select('MessageMention.userId')
                        .whereRef('MessageMention.messageId', '=', 'Message.id')
                        .where('MessageMention.userId', '=', userId),
                    ),
                  )
                  .then(1)
                  .else(0)
                  .end(),
              )
              .as('mentions'),
          ])
          .where((eb) =>
            eb.or(slice.map(({ roomId, readSeq }) => eb.and([eb('roomId', '=', roomId), eb('seq', '>', readSeq)]))),
          )
          .where('authorId', '!=', userId)
          .where('kind', '=', 'user')
          .where('deletedAt', 'is', null)
          .where('replyToId', 'is', null)
          .groupBy('roomId'),
      );
      for (const row of rows) counts.set(row.roomId, { unread: Number(row.unread), mentions: Number(row.mentions) });
    }
    return counts;
  }
}
