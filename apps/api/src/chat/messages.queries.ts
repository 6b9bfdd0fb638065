import { ChatBroadcast, type User } from '@tandem/contract';
import { sql as raw } from 'kysely';
import type { RecordedApart } from '../db/change-log.repository.js';
import type { BeforeCommit, GatheredRead } from '../db/database.service.js';
import { prepare, prepareRows, prepareShapes, type Sql } from '../db/sql.js';

// The messages' queries on their hot paths, built and compiled once (see `prepare`).

/** A new message's row (its `createdChange`: see `ChangeLogRepository.append`'s `records`). */
export interface NewMessageRow {
  id: string;
  roomId: string;
  seq: number;
  authorId: string;
  text: string;
  kind: string;
  action: string | null;
  createdAt: string;
  replyToId: string | null;
  createdChange: string;
  countedUpTo: number | null;
}

/** The rows of new messages in one statement, compiled once per count. */
const insertMessages = prepareRows('Message', [
  'id',
  'roomId',
  'seq',
  'authorId',
  'text',
  'kind',
  'action',
  'createdAt',
  'replyToId',
  'createdChange',
  'countedUpTo',
]);

/** The new messages of the works that reach their insert together, in one statement. */
export const insertNewMessages: GatheredRead<NewMessageRow, void> = {
  writes: true,
  async run(rows, sql) {
    await sql.run(insertMessages(rows));
    return rows.map(() => undefined);
  },
};

/** The `message:created` changes a room's messages keep (see `ChangeLogRepository.append`'s `records`). */
export const createdMessages: RecordedApart = {
  event: ChatBroadcast.MessageCreated,
  since: prepare((db, range: { spaceId: string; sinceSeq: number; limit: number }) =>
    db
      .selectFrom('Message')
      .select(['seq', 'createdChange as data'])
      .where('roomId', '=', range.spaceId)
      .where('seq', '>', range.sinceSeq)
      .where('createdChange', 'is not', null)
      .orderBy('seq')
      .limit(range.limit),
  ),
};

const insertMention = prepare((db, mention: { messageId: string; userId: string; name: string }) =>
  db.insertInto('MessageMention').values({ messageId: mention.messageId, userId: mention.userId, name: mention.name }),
);

/** The message's mentions, a statement each. */
export async function insertMentions(sql: Sql, messageId: string, mentions: readonly User[]): Promise<void> {
  for (const user of mentions) await sql.run(insertMention({ messageId, userId: user.id, name: user.name }));
}

/** The `message:created` change a message keeps (null on messages written before that column). */
export const createdChangeOf = prepare((db, message: { id: string }) =>
  db.selectFrom('Message').select('createdChange').where('id', '=', message.id),
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

/**
 * Edited and deleted messages into or out of the search index, once per transaction, where the
 * database does not do it itself (each message as its row is at the commit, see `Dialect.reindexMessages`).
 */
export const reindexMessages: BeforeCommit<{ id: string; deleted: boolean }> = {
  async run(changed, sql) {
    for (const deleted of [false, true]) {
      const ids = changed.filter((message) => message.deleted === deleted).map((message) => message.id);
      const statement = ids.length > 0 ? sql.dialect.reindexMessages?.(ids, deleted) : undefined;
      if (statement) await sql.run(statement);
    }
  },
};

/**
 * What a message carries beside its row, per kind: the table, the columns read beside
 * `messageId`, and their order within a message.
 */
const carried = {
  reactions: { table: 'Reaction', columns: ['emoji', 'userId'], order: ['createdAt', 'userId'] },
  mentions: { table: 'MessageMention', columns: ['userId', 'name'], order: ['name', 'userId'] },
} as const;

type CarriedKind = keyof typeof carried;
const carriedKinds = Object.keys(carried) as CarriedKind[];
type CarriedRow<K extends CarriedKind> = Record<'messageId' | (typeof carried)[K]['columns'][number], string>;

/** One message's reactions and mentions, each in its order. */
export type Carried = { [K in CarriedKind]: CarriedRow<K>[] };

/** One kind's rows of `count` messages: parameters `id0` … `id{count - 1}`; compiled once per kind and count. */
const carriedRows = prepareShapes(
  (shape: { kind: CarriedKind; count: number }) => `${shape.kind}:${shape.count}`,
  (db, ids: Record<string, string>, { kind, count }) => {
    const { table, columns, order } = carried[kind];
    return order.reduce(
      (query, column) => query.orderBy(raw.ref(column)),
      db
        .selectFrom(table as 'Reaction')
        .select(['messageId', ...columns].map((column) => raw.ref(column).as(column)))
        .where(
          'messageId',
          'in',
          Array.from({ length: count }, (_, index) => ids[`id${index}`]!),
        ),
    );
  },
);

/** What the messages carry beside their rows, by message id: one statement per kind (of `kinds`) for all of them. */
export async function carriedBy(
  sql: Sql,
  messageIds: string[],
  kinds: readonly CarriedKind[] = carriedKinds,
): Promise<Map<string, Carried>> {
  const byMessage = new Map(messageIds.map((id): [string, Carried] => [id, { reactions: [], mentions: [] }]));
  const ids = Object.fromEntries(messageIds.map((id, index) => [`id${index}`, id]));
  for (const kind of kinds) {
    const rows = (await sql.all(carriedRows({ kind, count: messageIds.length }, ids))) as CarriedRow<CarriedKind>[];
    for (const row of rows) (byMessage.get(row.messageId)![kind] as CarriedRow<CarriedKind>[]).push(row);
  }
  return byMessage;
}
