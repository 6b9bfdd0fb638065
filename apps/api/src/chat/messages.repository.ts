import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  timeOrderedId,
  type Message,
  type MessageCreated,
  type MessageKind,
  type SystemAction,
  type User,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { isoString, timestamp } from '../db/dialect.js';
import type { Prepared, Sql } from '../db/sql.js';
import { newMessageCreated } from './new-message.js';
import { messageFromRow, messageQuery, type MessageQuery, type MessageRow } from './message-rows.js';
import { countedKey, ownCountedKey } from './unread-counts.js';
import {
  carriedBy,
  createdChangeOf,
  findMessage,
  indexNewMessages,
  insertMentions,
  insertNewMessages,
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
    // Asked before the seq, in the same turn: one statement takes them all, in the same order.
    // The author's own counter is not stored on the message: only its value at a marker is read.
    const counted =
      kind === 'user' && !message.replyTo
        ? Promise.all([
            this.changeLog.count(context, countedKey(message.roomId)),
            this.changeLog.count(context, ownCountedKey(message.roomId, message.author.id)),
          ]).then(([countedUpTo]) => countedUpTo)
        : Promise.resolve(null);
    const { data } = await this.changeLog.append<MessageCreated>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(message.roomId),
      event: ChatBroadcast.MessageCreated,
      // Its JSON is written once, from a template: the change's record, the stored result, the broadcast and the ack splice it in.
      data: (seq) =>
        newMessageCreated({
          id,
          roomId: message.roomId,
          seq,
          author: message.author,
          text: message.text,
          kind,
          action: message.system,
          createdAt: isoString(createdAt),
          mentions,
          replyTo: message.replyTo,
          opId: message.opId,
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
    await insertMentions(context.sql, id, mentions);
    return data.message;
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
  async messages(sql: Sql, which: ((query: MessageQuery) => MessageQuery) | Prepared<MessageRow>): Promise<Message[]> {
    const rows = await sql.all(typeof which === 'function' ? which(messageQuery(sql.db)) : which);
    if (rows.length === 0) return [];
    const carried = await carriedBy(
      sql,
      rows.map((row) => row.id),
    );
    return rows.map((row) => messageFromRow(row, carried.get(row.id)!));
  }
}
