import { Injectable } from '@nestjs/common';
import { DatabaseService } from '../../db/database.service.js';

export interface SearchPage {
  /** Matching message ids, newest first. */
  ids: string[];
  /** Whether older matches remain. */
  more: boolean;
}

/** The full-text query over messages; the index is the database's own (see the `message_search` migrations and `Dialect.indexNewMessages`). */
@Injectable()
export class SearchRepository {
  constructor(private readonly database: DatabaseService) {}

  /**
   * Users' messages, not deleted, holding every term, in the rooms the user may read (public, or
   * private with the user a member) or in `roomId` only; newest first (ids grow with time), older
   * than `beforeId` when given.
   */
  async search(query: {
    userId: string;
    terms: string[];
    roomId: string | undefined;
    beforeId: string | undefined;
    limit: number;
  }): Promise<SearchPage> {
    const sql = this.database.reader;
    const rows = await sql.all(
      sql.db
        .selectFrom('Message')
        .select('Message.id')
        .where('Message.kind', '=', 'user')
        .where('Message.deletedAt', 'is', null)
        .where(sql.dialect.messageTextMatches(query.terms))
        .where((eb) =>
          eb.or([
            eb.exists(
              eb
                .selectFrom('Room')
                .select('Room.id')
                .whereRef('Room.id', '=', 'Message.roomId')
                .where('Room.visibility', '=', 'public'),
            ),
            eb.exists(
              eb
                .selectFrom('Membership')
                .select('Membership.roomId')
                .whereRef('Membership.roomId', '=', 'Message.roomId')
                .where('Membership.userId', '=', query.userId),
            ),
          ]),
        )
        .$if(query.roomId !== undefined, (builder) => builder.where('Message.roomId', '=', query.roomId!))
        .$if(query.beforeId !== undefined, (builder) => builder.where('Message.id', '<', query.beforeId!))
        .orderBy('Message.id', 'desc')
        .limit(query.limit + 1),
    );
    return { ids: rows.slice(0, query.limit).map((row) => row.id), more: rows.length > query.limit };
  }
}
