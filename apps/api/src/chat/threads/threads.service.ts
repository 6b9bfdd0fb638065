import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  rooms,
  type ChatCommandResults,
  type ChatInput,
  type Message,
  type User,
} from '@tandem/contract';
import { DomainError } from '../../common/domain-error.js';
import { ChangeLogRepository } from '../../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../../db/database.service.js';
import type { Sql } from '../../db/sql.js';
import { SpaceKinds } from '../../space-kinds.js';
import { SpacesService } from '../../spaces/spaces.service.js';
import { MessageChangesRepository } from '../message-changes.repository.js';
import { MessagesRepository } from '../messages.repository.js';
import { ThreadsRepository } from './threads.repository.js';

/**
 * Threads: where a reply goes, the parent's summary kept with every reply added or deleted (and
 * broadcast as the parent's `message:updated`, so a resync replays it), and the pages of a thread.
 */
@Injectable()
export class ThreadsService {
  constructor(
    private readonly spaces: SpacesService,
    private readonly messages: MessagesRepository,
    private readonly changes: MessageChangesRepository,
    private readonly threads: ThreadsRepository,
    private readonly changeLog: ChangeLogRepository,
    private readonly database: DatabaseService,
  ) {}

  /**
   * The parent a reply to `replyTo` goes under: that message, or the parent of the thread it is a
   * reply in (threads are one level deep). `NOT_FOUND` when it is unknown, deleted, or in another room.
   */
  async parentFor(replyTo: string, roomId: string, sql: Sql): Promise<string> {
    const message = await this.messages.findMessage(replyTo, sql);
    if (!message || message.deletedAt || message.roomId !== roomId) throw DomainError.notFound('message');
    if (!message.replyToId) return message.id;
    const parent = await this.messages.findMessage(message.replyToId, sql);
    if (!parent || parent.deletedAt) throw DomainError.notFound('message');
    return parent.id;
  }

  /** After a reply is stored: the parent's new summary, logged and broadcast. */
  async replyAdded(context: UnitOfWork, parentId: string, reply: Message): Promise<void> {
    await this.threads.replyAdded(context, parentId, reply);
    await this.changes.appendMessageChange(context, ChatBroadcast.MessageUpdated, parentId);
  }

  /** After a reply is deleted: the parent's summary counted again, logged and broadcast. */
  async replyRemoved(context: UnitOfWork, parentId: string): Promise<void> {
    await this.threads.replyRemoved(context, parentId);
    await this.changes.appendMessageChange(context, ChatBroadcast.MessageUpdated, parentId);
  }

  /**
   * A page of the thread's replies with its parent, read at one moment with the room's seq.
   * Anyone who may read the room may read its threads; a deleted parent keeps its thread.
   */
  history(user: User, input: ChatInput<'thread:history'>): Promise<ChatCommandResults['thread:history']> {
    return this.database.snapshot(async (sql) => {
      const found = await this.messages.findMessage(input.messageId, sql);
      if (!found || found.replyToId) throw DomainError.notFound('thread');
      const room = await this.spaces.require(SpaceKinds.room, found.roomId, sql);
      await this.spaces.requireAccess(SpaceKinds.room, user, room, sql);
      const seq = await this.changeLog.currentSeq(rooms.chat(room.id), sql);
      const [parent] = await this.messages.messagesWithIds([found.id], sql);
      const { messages, more } = await this.threads.repliesBefore(found.id, input.before, input.limit, sql);
      return {
        roomId: room.id,
        seq,
        parent: parent!,
        replies: messages,
        nextCursor: more ? (messages[0]?.seq ?? null) : null,
      };
    });
  }
}
