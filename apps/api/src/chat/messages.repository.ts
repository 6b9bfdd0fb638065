import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  timeOrderedId,
  type Message,
  type MessageChanged,
  type MessageCreated,
  type MessageKind,
  type SystemAction,
  type User,
} from '@tandem/contract';
import { encodedOnce } from '../common/encoded-once.js';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { isoString, timestamp } from '../db/dialect.js';
import type { Sql } from '../db/sql.js';
import { messageFromRow, messageQuery, type MessageQuery } from './message-rows.js';
import { countedKey } from './unread-counts.js';
import {
  carriedBy,
  createdChangeOf,
  findMessage,
  findMessageForMember,
  indexNewMessages,
  insertMention,
  insertNewMessages,
  loggedChangesOf,
} from './messages.queries.js';

/** What the rules need to know about a message. */
export interface MessageRecord {
  id: string;
  roomId: string;
  seq: number;
  authorId: string;
  kind: MessageKind;
  deletedAt: string | null;
  /** Set on a reply: its thread's parent. */
  replyToId: string | null;
}

/** A message to store: a user's, or a system message about `author`. */
export interface NewMessage {
  roomId: string;
  author: User;
  text: string;
  mentions?: User[];
  system?: SystemAction;
  /** A reply: the id of its thread's parent. */
  replyTo?: string;
  /** The command that wrote a user's message: its `message:created` carries it. */
  opId?: string;
}

/** A logged change's JSON with the message's text and mentions emptied; undefined if it carries another message. */
function withoutText(logged: string, messageId: string): string | undefined {
  const data = JSON.parse(logged) as Partial<MessageChanged>;
  if (data.message?.id !== messageId) return undefined;
  return JSON.stringify({ ...data, message: { ...data.message, text: '', mentions: [] } });
}

/** Messages, their reactions and mentions; rows become contract types here. */
@Injectable()
export class MessagesRepository {
  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  /** Stores the message and its `message:created` change in the caller's transaction. */
  async appendMessage(context: UnitOfWork, message: NewMessage): Promise<Message> {
    const id = timeOrderedId();
    const createdAt = Date.now();
    const mentions = message.mentions ?? [];
    const kind: MessageKind = message.system ? 'system' : 'user';
    // Asked before the seq, in the same turn: one statement takes both, in the same order.
    const counted =
      kind === 'user' && !message.replyTo
        ? this.changeLog.count(context, countedKey(message.roomId))
        : Promise.resolve(null);
    const { data } = await this.changeLog.append<MessageCreated>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(message.roomId),
      event: ChatBroadcast.MessageCreated,
      data: (seq) => ({
        roomId: message.roomId,
        seq,
        // Its JSON is made once: the change's record, the stored result, the broadcast and the ack splice it in.
        message: encodedOnce({
          id,
          roomId: message.roomId,
          seq,
          author: message.author,
          text: message.text,
          kind,
          ...(message.system ? { action: message.system } : {}),
          createdAt: isoString(createdAt),
          reactions: [],
          mentions,
          ...(message.replyTo ? { replyTo: message.replyTo } : {}),
        }),
        ...(message.opId ? { opId: message.opId } : {}),
      }),
      records: (seq, createdChange) =>
        counted.then((countedUpTo) =>
          context.gather(insertNewMessages, {
            id,
            roomId: message.roomId,
            seq,
            authorId: message.author.id,
            text: message.text,
            kind,
            action: message.system ?? null,
            createdAt: timestamp(createdAt),
            replyToId: message.replyTo ?? null,
            createdChange,
            countedUpTo,
          }),
        ),
    });
    context.beforeCommit(indexNewMessages, id);
    await this.addMentions(context.sql, id, mentions);
    return data.message;
  }

  /** The message and whether the user is a member of its room: one read. */
  async findMessageForMember(
    messageId: string,
    userId: string,
    sql: Sql,
  ): Promise<{ message: MessageRecord; member: boolean } | null> {
    const row = await sql.first(findMessageForMember({ id: messageId, userId }));
    if (!row) return null;
    const { memberId, ...message } = row;
    return { message: message as MessageRecord, member: memberId !== null };
  }

  async findMessage(messageId: string, sql: Sql = this.database.reader): Promise<MessageRecord | null> {
    return ((await sql.first(findMessage({ id: messageId }))) as MessageRecord | undefined) ?? null;
  }

  /** The message as its `message:created` change carried it (its text emptied if deleted since). */
  async messageAsSent(messageId: string, sql: Sql): Promise<Message> {
    const row = await sql.first(createdChangeOf({ id: messageId }));
    if (!row?.createdChange) throw new Error(`message ${messageId} keeps no record of its creation`);
    return (JSON.parse(row.createdChange) as MessageCreated).message;
  }

  /** Replaces the text and its mentions, and marks the message edited now. */
  async editMessage({ sql }: UnitOfWork, messageId: string, text: string, mentions: User[]): Promise<void> {
    await sql.run(sql.db.updateTable('Message').set({ text, editedAt: timestamp() }).where('id', '=', messageId));
    await sql.run(sql.db.deleteFrom('MessageMention').where('messageId', '=', messageId));
    await this.addMentions(sql, messageId, mentions);
  }

  private async addMentions(sql: Sql, messageId: string, mentions: User[]): Promise<void> {
    for (const user of mentions) await sql.run(insertMention({ messageId, userId: user.id, name: user.name }));
  }

  /**
   * Soft delete: the row keeps its id and seq with `deletedAt` set, and loses its text, reactions
   * and mentions. The payloads already logged for the message (its creation, edits, reactions)
   * are emptied the same way, so that a resync never replays the text either.
   */
  async deleteMessage({ sql }: UnitOfWork, message: MessageRecord): Promise<void> {
    const row = await sql.first(createdChangeOf({ id: message.id }));
    const createdChange = row?.createdChange ? withoutText(row.createdChange, message.id) : null;
    await sql.run(
      sql.db
        .updateTable('Message')
        .set({ text: '', deletedAt: timestamp(), createdChange: createdChange ?? row?.createdChange ?? null })
        .where('id', '=', message.id),
    );
    await sql.run(sql.db.deleteFrom('Reaction').where('messageId', '=', message.id));
    await sql.run(sql.db.deleteFrom('MessageMention').where('messageId', '=', message.id));
    // The changes that carry the message name it (its creation's too, on rows logged before
    // creations were kept on the message).
    const logged = await sql.all(loggedChangesOf({ messageId: message.id }));
    for (const change of logged) {
      const data = withoutText(change.data, message.id);
      if (data === undefined) continue;
      await sql.run(
        sql.db
          .updateTable('Change')
          .set({ data })
          .where('streamKey', '=', change.streamKey)
          .where('seq', '=', change.seq),
      );
    }
  }

  /** The distinct emoji used on the message, each with whether the user reacted with it: one read. */
  async reactionEmoji(messageId: string, userId: string, sql: Sql): Promise<{ emoji: string; mine: boolean }[]> {
    const rows = await sql.all(
      sql.db
        .selectFrom('Reaction')
        .select((eb) => [
          'emoji',
          eb.fn.max<number>(eb.case().when('userId', '=', userId).then(1).else(0).end()).as('mine'),
        ])
        .where('messageId', '=', messageId)
        .groupBy('emoji'),
    );
    return rows.map((row) => ({ emoji: row.emoji, mine: Number(row.mine) === 1 }));
  }

  async addReaction({ sql }: UnitOfWork, messageId: string, userId: string, emoji: string): Promise<void> {
    await sql.run(sql.db.insertInto('Reaction').values({ messageId, userId, emoji, createdAt: timestamp() }));
  }

  async removeReaction({ sql }: UnitOfWork, messageId: string, userId: string, emoji: string): Promise<void> {
    await sql.run(
      sql.db
        .deleteFrom('Reaction')
        .where('messageId', '=', messageId)
        .where('userId', '=', userId)
        .where('emoji', '=', emoji),
    );
  }

  /** Logs and broadcasts the message as it now is, as `message:updated` or `message:deleted`. */
  async appendMessageChange(
    context: UnitOfWork,
    event: typeof ChatBroadcast.MessageUpdated | typeof ChatBroadcast.MessageDeleted,
    messageId: string,
  ): Promise<Message> {
    const [message] = await this.messages(context.sql, (query) => query.where('Message.id', '=', messageId));
    if (!message) throw new Error(`message ${messageId} vanished inside its own transaction`);
    await this.changeLog.append<MessageChanged>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(message.roomId),
      event,
      data: (seq) => ({ roomId: message.roomId, seq, message }),
      messageId,
    });
    return message;
  }

  /**
   * Up to `limit` of the room's log before `beforeSeq` (or the newest), oldest first, and whether
   * older ones remain. Replies are not in the log: they show in their threads.
   */
  async messagesBefore(
    roomId: string,
    beforeSeq: number | undefined,
    limit: number,
    sql: Sql = this.database.reader,
  ): Promise<{ messages: Message[]; more: boolean }> {
    return this.pageBefore(
      (query) => query.where('roomId', '=', roomId).where('replyToId', 'is', null),
      beforeSeq,
      limit,
      sql,
    );
  }

  /** Up to `limit` of the messages `which` selects before `beforeSeq` (or the newest), oldest first. */
  async pageBefore(
    which: (query: MessageQuery) => MessageQuery,
    beforeSeq: number | undefined,
    limit: number,
    sql: Sql,
  ): Promise<{ messages: Message[]; more: boolean }> {
    const newestFirst = await this.messages(sql, (query) => {
      const selected = which(query)
        .orderBy('seq', 'desc')
        .limit(limit + 1);
      return beforeSeq === undefined ? selected : selected.where('seq', '<', beforeSeq);
    });
    const more = newestFirst.length > limit;
    return { messages: newestFirst.slice(0, limit).reverse(), more };
  }

  /** The messages with these ids, in the order of `ids`. */
  async messagesWithIds(ids: string[], sql: Sql = this.database.reader): Promise<Message[]> {
    if (ids.length === 0) return [];
    const byId = new Map(
      (await this.messages(sql, (query) => query.where('Message.id', 'in', ids))).map((message) => [
        message.id,
        message,
      ]),
    );
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  /** Messages as the contract has them: with their author, reactions and mentions. */
  async messages(sql: Sql, which: (query: MessageQuery) => MessageQuery): Promise<Message[]> {
    const rows = await sql.all(which(messageQuery(sql)));
    if (rows.length === 0) return [];
    const carried = await carriedBy(
      sql,
      rows.map((row) => row.id),
    );
    return rows.map((row) => messageFromRow(row, carried.get(row.id)!));
  }
}
