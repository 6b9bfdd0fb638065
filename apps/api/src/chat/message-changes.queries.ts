import { sql as raw, type Expression, type ExpressionBuilder, type Kysely } from 'kysely';
import type { DB } from '../generated/kysely/database.js';
import type { BeforeCommit, GatheredRead } from '../db/database.service.js';
import { dialectOf } from '../db/dialect.js';
import { prepare, prepareList } from '../db/sql.js';
import { messageQuery } from './message-rows.js';

// The queries of the commands on a stored message (an edit, a reaction, a delete): see
// `MessageChangesRepository`.

/**
 * `count` messages as a read of messages has them (see `messageQuery`), each with whether the
 * user who asks for it is a member of its room, and whether it carries
 * reactions and mentions: what the commands on messages of a transaction read first, in one
 * statement, a row per message. Values: each message's id and its user's id, then the messages' ids.
 */
const findMessagesForMembersQuery = prepareList(
  (count: number) => String(count),
  (db, values: readonly unknown[], count) => {
    const indexes = Array.from({ length: count }, (_, index) => index);
    return messageQuery(db)
      .select((eb) => {
        // The user who asked for this message.
        let asker = eb
          .case('Message.id')
          .when(values[0] as string)
          .then(values[1] as string);
        for (const index of indexes.slice(1)) {
          asker = asker.when(values[2 * index] as string).then(values[2 * index + 1] as string);
        }
        return [
          eb
            .exists(
              eb
                .selectFrom('Membership')
                .select('Membership.userId')
                .whereRef('Membership.roomId', '=', 'Message.roomId')
                .where('Membership.userId', '=', asker.end()),
            )
            .as('member'),
          eb
            .exists(
              eb.selectFrom('Reaction').select('Reaction.messageId').whereRef('Reaction.messageId', '=', 'Message.id'),
            )
            .as('hasReactions'),
          eb
            .exists(
              eb
                .selectFrom('MessageMention')
                .select('MessageMention.messageId')
                .whereRef('MessageMention.messageId', '=', 'Message.id'),
            )
            .as('hasMentions'),
        ];
      })
      .where(
        'Message.id',
        'in',
        indexes.map((index) => values[2 * count + index] as string),
      );
  },
);

type FoundRow = NonNullable<ReturnType<typeof findMessagesForMembersQuery>['row']>;

/**
 * A message and whether the user is a member of its room (see `findMessagesForMembersQuery`): the
 * works that ask together read in one statement (a message asked for twice at once, by two users,
 * is read once per asker).
 */
export const findMessagesForMembers: GatheredRead<
  { id: string; userId: string },
  { row: Omit<FoundRow, 'member'>; member: boolean } | undefined
> = {
  async run(keys, sql) {
    if (new Set(keys.map((key) => key.id)).size < keys.length) {
      return Promise.all(keys.map(async (key) => (await this.run([key], sql))[0]));
    }
    const values = [...keys.flatMap((key) => [key.id, key.userId]), ...keys.map((key) => key.id)];
    const rows = new Map((await sql.all(findMessagesForMembersQuery(keys.length, values))).map((row) => [row.id, row]));
    // The row as read (its \`member\` too, unread beyond this): no copy of it per command.
    return keys.map((key) => {
      const row = rows.get(key.id);
      return row && { row, member: Boolean(row.member) };
    });
  },
};

/** A message's row as a message read has it (see `messageQuery`). */
export const messageRow = prepare((db, message: { id: string }) =>
  messageQuery(db).where('Message.id', '=', message.id),
);

/** One logged change's payload, by its stream and seq: what a retried command on a message answers from. */
export const loggedChange = prepare((db, change: { streamKey: string; seq: number }) =>
  db.selectFrom('Change').select('data').where('streamKey', '=', change.streamKey).where('seq', '=', change.seq),
);

/** Whether the message carries mentions, as the statement that asks reads them. */
const hasMentions = (eb: ExpressionBuilder<DB, 'Message'>, messageId: string) =>
  eb
    .exists(
      eb
        .selectFrom('MessageMention')
        .select('MessageMention.messageId')
        .where('MessageMention.messageId', '=', messageId),
    )
    .as('hasMentions');

/**
 * A message's thread summary (see `threadOf` in ./message-rows.ts) as the statement that writes
 * reads it: on PostgreSQL, with a reply another node committed while the room's seq was waited for.
 */
const threadColumns = ['replyCount', 'lastReplyAt', 'latestRepliers'] as const;

/**
 * An edit's text, on a message not deleted only, with the message's reactions, whether it
 * carries mentions and its thread summary as this statement reads them (see `othersOf`): no row
 * when it is deleted.
 */
export const editMessageText = prepare((db, edit: { id: string; text: string; editedAt: string }) =>
  db
    .updateTable('Message')
    .set({ text: edit.text, editedAt: edit.editedAt })
    .where('id', '=', edit.id)
    .where('deletedAt', 'is', null)
    .returning((eb) => [othersOf(db, edit.id).as('reactions'), hasMentions(eb, edit.id), ...threadColumns]),
);

/** A logged change's JSON (text) with its message's text and mentions emptied, in the database. */
const withoutText = (db: Parameters<typeof dialectOf>[0], json: Expression<string | null>) =>
  dialectOf(db).jsonSet(json, [
    [['message', 'text'], '""'],
    [['message', 'mentions'], '[]'],
  ]);

/**
 * A deleted message's row: no text, and its creation's record without it; with whether it carries
 * reactions and mentions, and its thread summary, as this statement reads them (once the room's
 * seq is taken: on PostgreSQL, with what another node added while the seq was waited for).
 */
export const markMessageDeleted = prepare((db, deleted: { id: string; deletedAt: string }) =>
  db
    .updateTable('Message')
    .set((eb) => ({ text: '', deletedAt: deleted.deletedAt, createdChange: withoutText(db, eb.ref('createdChange')) }))
    .where('id', '=', deleted.id)
    .returning((eb) => [
      eb
        .exists(eb.selectFrom('Reaction').select('Reaction.messageId').where('Reaction.messageId', '=', deleted.id))
        .as('hasReactions'),
      hasMentions(eb, deleted.id),
      ...threadColumns,
    ]),
);

export const deleteMentionsOf = prepare((db, message: { messageId: string }) =>
  db.deleteFrom('MessageMention').where('messageId', '=', message.messageId),
);

export const deleteReactionsOf = prepare((db, message: { messageId: string }) =>
  db.deleteFrom('Reaction').where('messageId', '=', message.messageId),
);

type ReactionKey = { messageId: string; userId: string; emoji: string };

/**
 * The message's reactions (`except` the user's with that emoji) as a JSON array, in their order,
 * read by the statement that writes (see `MessageChangesRepository.toggleReaction`): each
 * `{ emoji, userId }`, and with `before` (a new reaction's moment) whether it goes before it.
 * Null when there are none: SQLite sets up the ordered aggregate's sort only for a message that
 * has some (most an edit or a toggle finds have none).
 */
function othersOf(db: Kysely<DB>, messageId: string, except?: ReactionKey, before?: { createdAt: string }) {
  const dialect = dialectOf(db);
  const fields: [string, Expression<unknown>][] = [
    ['emoji', raw.ref('Other.emoji')],
    ['userId', raw.ref('Other.userId')],
  ];
  if (except && before) {
    const place = raw`(${raw.ref('Other.createdAt')}, ${raw.ref('Other.userId')}) < (${before.createdAt}, ${except.userId})`;
    fields.push(['before', place]);
  }
  const all = db.selectFrom('Reaction as Other').where('Other.messageId', '=', messageId);
  const others = except
    ? all.where((eb) => eb.not(eb.and([eb('Other.userId', '=', except.userId), eb('Other.emoji', '=', except.emoji)])))
    : all;
  const order = raw.join([raw.ref('Other.createdAt'), raw.ref('Other.userId')]);
  const array = others.select(dialect.jsonArrayOf(dialect.jsonObject(fields), order).as('others'));
  return raw<string | null>`case when exists ${others.select('Other.emoji')} then ${array} end`;
}

/**
 * What a reaction's write returns: the message's other reactions (see `othersOf`), and its text,
 * last edit and thread summary as the same statement reads them (on PostgreSQL, with another
 * node's edit or reply committed while the room's seq was waited for).
 */
function reactionWritten(db: Kysely<DB>, reaction: ReactionKey, before?: { createdAt: string }) {
  const current = db.selectFrom('Message as Current').where('Current.id', '=', reaction.messageId);
  return [
    othersOf(db, reaction.messageId, reaction, before).as('others'),
    current.select('Current.text').as('text'),
    current.select('Current.editedAt').as('editedAt'),
    current.select('Current.replyCount').as('replyCount'),
    current.select('Current.lastReplyAt').as('lastReplyAt'),
    current.select('Current.latestRepliers').as('latestRepliers'),
  ] as const;
}

/**
 * The user's reaction, on a message not deleted only: no row when the message is deleted (on
 * PostgreSQL, as another node's delete committed while the room's seq was waited for leaves it).
 * The limit of different emoji is checked on the other reactions it returns, which this
 * statement reads as it inserts (see `MessageChangesRepository.toggleReaction`): counted in the
 * statement, SQLite built a temporary b-tree of the message's emoji for every insert.
 */
export const insertReaction = prepare((db, reaction: ReactionKey & { createdAt: string }) =>
  db
    .insertInto('Reaction')
    .columns(['messageId', 'userId', 'emoji', 'createdAt'])
    .expression(
      db
        .selectFrom('Message')
        .select((eb) => [
          'Message.id',
          eb.val(reaction.userId).as('userId'),
          eb.val(reaction.emoji).as('emoji'),
          eb.val(reaction.createdAt).as('createdAt'),
        ])
        .where('Message.id', '=', reaction.messageId)
        .where('Message.deletedAt', 'is', null),
    )
    .returning(reactionWritten(db, reaction, reaction)),
);

export const deleteReaction = prepare((db, reaction: ReactionKey) =>
  db
    .deleteFrom('Reaction')
    .where('messageId', '=', reaction.messageId)
    .where('userId', '=', reaction.userId)
    .where('emoji', '=', reaction.emoji)
    .returning(reactionWritten(db, reaction)),
);

/** One message's reactions in a message's order, with when each was made (where a new one goes). */
export const reactionsOf = prepare((db, message: { messageId: string }) =>
  db
    .selectFrom('Reaction')
    .select(['messageId', 'emoji', 'userId', 'createdAt'])
    .where('messageId', '=', message.messageId)
    .orderBy('createdAt')
    .orderBy('userId'),
);

/** The logged changes that carry one of `count` messages, their text and mentions emptied. */
const emptyLoggedChanges = prepareList(
  (count: number) => String(count),
  (db, ids: readonly unknown[], count) =>
    db
      .updateTable('Change')
      .set((eb) => ({ data: withoutText(db, eb.ref('data')) }))
      .where(
        'messageId',
        'in',
        Array.from({ length: count }, (_, index) => ids[index] as string),
      ),
);

/**
 * The deleted messages' logged changes emptied of their text (see `ChangeLogRepository.append`'s
 * `messageId`), once per transaction: after the transaction's own `Change` rows are inserted,
 * which their works leave for the commit before this (steps run in the order first left).
 */
export const emptyChangesOf: BeforeCommit<string> = {
  async run(messageIds, sql) {
    await sql.run(emptyLoggedChanges(messageIds.length, messageIds));
  },
};
