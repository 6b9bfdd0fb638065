import type { Message, MessageKind, Reaction, SystemAction, ThreadSummary, User } from '@tandem/contract';
import type { Kysely } from 'kysely';
import type { DB } from '../generated/kysely/database.js';
import { isoTimestamp } from '../db/dialect.js';
import type { Carried } from './messages.queries.js';

// Message rows as the contract has them: the columns read, and the mapping to `Message`.

/** The query every message read starts from: the row and its author's name. */
export function messageQuery(db: Kysely<DB>) {
  return db
    .selectFrom('Message')
    .innerJoin('User', 'User.id', 'Message.authorId')
    .select([
      'Message.id',
      'Message.roomId',
      'Message.seq',
      'Message.authorId',
      'User.name as authorName',
      'Message.text',
      'Message.kind',
      'Message.action',
      'Message.createdAt',
      'Message.editedAt',
      'Message.deletedAt',
      'Message.replyToId',
      'Message.replyCount',
      'Message.lastReplyAt',
      'Message.latestRepliers',
    ]);
}

export type MessageQuery = ReturnType<typeof messageQuery>;
export type MessageRow = Awaited<ReturnType<MessageQuery['execute']>>[number];

/** One message from its row and what it carries beside it (see `carriedBy`). */
export function messageFromRow(row: MessageRow, { reactions, mentions }: Carried): Message {
  return {
    id: row.id,
    roomId: row.roomId,
    seq: row.seq,
    author: { id: row.authorId, name: row.authorName },
    text: row.text,
    kind: row.kind as MessageKind,
    ...(row.action ? { action: row.action as SystemAction } : {}),
    createdAt: isoTimestamp(row.createdAt),
    ...(row.editedAt ? { editedAt: isoTimestamp(row.editedAt) } : {}),
    ...(row.deletedAt ? { deletedAt: isoTimestamp(row.deletedAt) } : {}),
    reactions: groupReactions(reactions),
    mentions: mentions.map((mention) => ({ id: mention.userId, name: mention.name })),
    ...(row.replyToId ? { replyTo: row.replyToId } : {}),
    ...threadOf(row),
  };
}

/** The summary a parent carries once it has replies. */
function threadOf(row: MessageRow): { thread?: ThreadSummary } {
  if (row.replyCount <= 0 || !row.lastReplyAt) return {};
  return {
    thread: {
      replyCount: row.replyCount,
      lastReplyAt: isoTimestamp(row.lastReplyAt),
      latestRepliers: row.latestRepliers ? (JSON.parse(row.latestRepliers) as User[]) : [],
    },
  };
}

function groupReactions(rows: { emoji: string; userId: string }[]): Reaction[] {
  const byEmoji = new Map<string, Reaction>();
  for (const { emoji, userId } of rows) {
    const reaction = byEmoji.get(emoji);
    if (reaction) {
      reaction.count += 1;
      reaction.userIds.push(userId);
    } else byEmoji.set(emoji, { emoji, count: 1, userIds: [userId] });
  }
  return [...byEmoji.values()];
}
