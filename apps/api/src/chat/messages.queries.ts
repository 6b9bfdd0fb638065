import type { BeforeCommit } from '../db/database.service.js';
import { prepare } from '../db/sql.js';

// The messages' queries on their hot paths, built and compiled once (see `prepare`).

export const insertMessage = prepare(
  (
    db,
    row: {
      id: string;
      roomId: string;
      seq: number;
      authorId: string;
      text: string;
      kind: string;
      action: string | null;
      createdAt: string;
      replyToId: string | null;
    },
  ) =>
    db.insertInto('Message').values({
      id: row.id,
      roomId: row.roomId,
      seq: row.seq,
      authorId: row.authorId,
      text: row.text,
      kind: row.kind,
      action: row.action,
      createdAt: row.createdAt,
      replyToId: row.replyToId,
    }),
);

export const insertMention = prepare((db, mention: { messageId: string; userId: string; name: string }) =>
  db.insertInto('MessageMention').values({ messageId: mention.messageId, userId: mention.userId, name: mention.name }),
);

export const findMessage = prepare((db, message: { id: string }) =>
  db
    .selectFrom('Message')
    .select(['id', 'roomId', 'seq', 'authorId', 'kind', 'deletedAt', 'replyToId'])
    .where('id', '=', message.id),
);

/** New messages into the search index, once per transaction, where the database does not do it itself. */
export const indexNewMessages: BeforeCommit<string> = {
  async run(messageIds, sql) {
    const statement = sql.dialect.indexNewMessages?.(messageIds);
    if (statement) await sql.run(statement);
  },
};
