import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  type Message,
  type MessageChanged,
  type MessageKind,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { encodedOnce } from '../common/encoded-once.js';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import type { UnitOfWork } from '../db/database.service.js';
import { timestamp } from '../db/dialect.js';
import type { Sql } from '../db/sql.js';
import { messageFromRow, type MessageRow } from './message-rows.js';
import {
  deleteMentionsOf,
  deleteReaction,
  deleteReactionsOf,
  editMessageText,
  emptyChangesOf,
  findMessagesForMembers,
  insertReaction,
  loggedChange,
  markMessageDeleted,
  messageRow,
  reactionsOf,
} from './message-changes.queries.js';
import { carriedBy, insertMentions, reindexMessages, type Carried } from './messages.queries.js';
import { emojiOverLimit, tooManyEmoji } from './reaction-limit.js';
import { MessagesRepository, type MessageRecord } from './messages.repository.js';

/**
 * What a command on a message reads first, in one statement: the message as a read of messages
 * has it (its author's name, its thread), whether the user is a member of its room, and whether it
 * carries reactions and mentions (read only then).
 */
export interface FoundMessage {
  record: MessageRecord;
  row: MessageRow;
  member: boolean;
  carries: { reactions: boolean; mentions: boolean };
}

/** One reaction, with when it was made: a message's reactions go in that order, then by user. */
export type ReactionRow = Carried['reactions'][number] & { createdAt: string };

/**
 * The changes to a stored message (an edit, a reaction, a deletion) and their `message:updated` /
 * `message:deleted` changes: each command reads its message once (`FoundMessage`) and answers and
 * logs the message as that read and its own writes leave it, without reading it again.
 */
@Injectable()
export class MessageChangesRepository {
  /** The seq each message logged here was logged at (see `loggedSeq`). */
  private readonly logged = new WeakMap<Message, number>();

  constructor(
    private readonly messages: MessagesRepository,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  /**
   * The message and whether the user is a member of its room (see `FoundMessage`): one read, with
   * the works of the transaction that ask together.
   */
  async findMessageForMember(messageId: string, userId: string, context: UnitOfWork): Promise<FoundMessage | null> {
    const found = await context.gather(findMessagesForMembers, { id: messageId, userId });
    if (!found) return null;
    // The row as read, its flags too (a message read ignores them): no copy of it per command.
    const { row } = found;
    const { id, roomId, seq, authorId, kind, deletedAt, replyToId, hasReactions, hasMentions } = row;
    return {
      record: { id, roomId, seq, authorId, kind: kind as MessageKind, deletedAt, replyToId },
      row,
      member: found.member,
      carries: { reactions: Boolean(hasReactions), mentions: Boolean(hasMentions) },
    };
  }

  /**
   * Replaces the text and its mentions, marks the message edited now, and logs it as
   * `message:updated`: the message as it now is, from the row read first, with the reactions the
   * statement that writes the text reads (its mentions read when there are two or more, to be in
   * the database's order). Its writes come once the room's seq is taken, as a reaction's do: on
   * PostgreSQL, another node's reaction committed meanwhile is in it, and a message deleted since
   * it was read refuses the edit with `NOT_FOUND`.
   */
  async editMessage(context: UnitOfWork, found: FoundMessage, text: string, mentions: User[]): Promise<Message> {
    const { sql } = context;
    const { id, roomId } = found.record;
    const write = async (): Promise<Message> => {
      const editedAt = timestamp();
      const edited = await sql.first(editMessageText({ id, text, editedAt }));
      if (!edited) throw DomainError.notFound('message');
      context.beforeCommit(reindexMessages, { id, deleted: false });
      if (edited.hasMentions) await sql.run(deleteMentionsOf({ messageId: id }));
      await insertMentions(sql, id, mentions);
      const reactions = othersFrom(id, edited.reactions);
      const carried =
        mentions.length > 1
          ? (await this.carriedOf(sql, id, { reactions: false, mentions: true })).mentions
          : mentions.map((user) => ({ messageId: id, userId: user.id, name: user.name }));
      return messageFromRow(withThread({ ...found.row, text, editedAt }, edited), { reactions, mentions: carried });
    };
    return this.logChange(context, ChatBroadcast.MessageUpdated, { id, roomId, write });
  }

  /** What the message carries of the kinds asked for (the others empty): one statement per kind asked. */
  private async carriedOf(sql: Sql, messageId: string, asked: Record<keyof Carried, boolean>): Promise<Carried> {
    const kinds = (Object.keys(asked) as (keyof Carried)[]).filter((kind) => asked[kind]);
    if (kinds.length === 0) return { reactions: [], mentions: [] };
    return (await carriedBy(sql, [messageId], kinds)).get(messageId)!;
  }

  /**
   * Soft delete: the row keeps its id and seq with `deletedAt` set, and loses its text, reactions
   * and mentions. The payloads already logged for the message (its creation, edits, reactions)
   * are emptied the same way, so that a resync never replays the text either. Logged as
   * `message:deleted`, the message as the row read first now is. Its writes come once the room's
   * seq is taken, as a reaction's do: on PostgreSQL a delete that held the message's reactions
   * while it waited for the seq deadlocked with a toggle on another node that held the seq and
   * waited for one of them. Its reactions and mentions are deleted as the statement that marks it
   * finds them, not as read first: a reaction another node committed meanwhile goes too.
   */
  async deleteMessage(context: UnitOfWork, found: FoundMessage): Promise<Message> {
    const { sql } = context;
    const { id, roomId } = found.record;
    const write = async (): Promise<Message> => {
      const deletedAt = timestamp();
      const carries = (await sql.first(markMessageDeleted({ id, deletedAt })))!;
      context.beforeCommit(reindexMessages, { id, deleted: true });
      if (carries.hasReactions) await sql.run(deleteReactionsOf({ messageId: id }));
      if (carries.hasMentions) await sql.run(deleteMentionsOf({ messageId: id }));
      return messageFromRow(withThread({ ...found.row, text: '', deletedAt }, carries), {
        reactions: [],
        mentions: [],
      });
    };
    const logged = await this.logChange(context, ChatBroadcast.MessageDeleted, { id, roomId, write });
    // After `logChange`: the changes logged in this transaction are inserted before they are emptied.
    context.beforeCommit(emptyChangesOf, id);
    return logged;
  }

  /** The message's reactions in their order (none read when it carries none). */
  async reactionsOf(found: FoundMessage, sql: Sql): Promise<ReactionRow[]> {
    return found.carries.reactions ? sql.all(reactionsOf({ messageId: found.record.id })) : [];
  }

  /**
   * Adds the user's reaction with `emoji`, or removes it (`add` false), once the room's seq is
   * taken, and logs the message as `message:updated`: its other reactions, text and last edit
   * read by the statement that writes, so that on PostgreSQL another node's change to the room,
   * committed while the seq was waited for, is in it (its mentions read again if it was edited
   * meanwhile). No statement more than the write. A message deleted since it was read refuses the
   * toggle with `NOT_FOUND`, and a new emoji beyond the limit with `CONFLICT`, as the checks on
   * the read would have: after the seq is taken, so its batch runs each work alone.
   */
  async toggleReaction(
    context: UnitOfWork,
    found: FoundMessage,
    reaction: { userId: string; emoji: string; add: boolean },
  ): Promise<Message> {
    const { sql } = context;
    const messageId = found.record.id;
    const { userId, emoji } = reaction;
    const read = await this.carriedOf(sql, messageId, { reactions: false, mentions: found.carries.mentions });
    const write = async (): Promise<Message> => {
      let reactions: Carried['reactions'];
      let written: ReactionWritten | undefined;
      if (reaction.add) {
        written = await sql.first(insertReaction({ messageId, userId, emoji, createdAt: timestamp() }));
        if (!written) throw DomainError.notFound('message');
        const others = othersFrom(messageId, written.others);
        // Refused after the insert: the transaction rolls it back.
        if (emojiOverLimit(others, emoji)) throw tooManyEmoji();
        const place = others.filter((other) => other.before).length;
        reactions = [...others.slice(0, place), { messageId, emoji, userId }, ...others.slice(place)];
      } else {
        written = await sql.first(deleteReaction({ messageId, userId, emoji }));
        // Gone already, with the message's deletion or by the user's command on another node: the
        // message as it now is.
        if (!written) return this.currentMessage(messageId, sql);
        reactions = othersFrom(messageId, written.others);
      }
      const { text, editedAt } = written;
      const edited = editedAt !== found.row.editedAt;
      const { mentions } = edited ? await this.carriedOf(sql, messageId, { reactions: false, mentions: true }) : read;
      return messageFromRow(withThread({ ...found.row, text: text ?? '', editedAt }, written), { reactions, mentions });
    };
    return this.logChange(context, ChatBroadcast.MessageUpdated, { id: messageId, roomId: found.record.roomId, write });
  }

  /** The message as it now is (read again); `NOT_FOUND` if it is deleted. */
  private async currentMessage(messageId: string, sql: Sql): Promise<Message> {
    const [message] = await this.messages.messages(sql, messageRow({ id: messageId }));
    if (!message || message.deletedAt) throw DomainError.notFound('message');
    return message;
  }

  /** Logs and broadcasts the message as it now is (read again), as `message:updated` or `message:deleted`. */
  async appendMessageChange(
    context: UnitOfWork,
    event: typeof ChatBroadcast.MessageUpdated | typeof ChatBroadcast.MessageDeleted,
    messageId: string,
  ): Promise<Message> {
    const [message] = await this.messages.messages(context.sql, messageRow({ id: messageId }));
    if (!message) throw new Error(`message ${messageId} vanished inside its own transaction`);
    return this.logChange(context, event, message);
  }

  /**
   * Logs the message as `event`; its JSON is made once, for the change's record, the stored
   * result, the broadcast and the ack. `write`: the message as made once the room's seq is taken.
   */
  private async logChange(
    context: UnitOfWork,
    event: typeof ChatBroadcast.MessageUpdated | typeof ChatBroadcast.MessageDeleted,
    changed: Message | { id: string; roomId: string; write: () => Promise<Message> },
  ): Promise<Message> {
    const { id, roomId } = changed;
    const carried = (seq: number, message: Message): MessageChanged => ({ roomId, seq, message: encodedOnce(message) });
    const { data } = await this.changeLog.append<MessageChanged>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(roomId),
      event,
      data: (seq) =>
        'write' in changed ? changed.write().then((message) => carried(seq, message)) : carried(seq, changed),
      messageId: id,
    });
    this.logged.set(data.message, data.seq);
    return data.message;
  }

  /**
   * The seq of the change that logged `message` (as this repository returned it), in its room's
   * stream: a command's opId keeps that instead of the message, which its change's row keeps.
   */
  loggedSeq(message: Message): number | undefined {
    return this.logged.get(message);
  }

  /** The message a change logged (see `loggedSeq`), as its row keeps it (a deleted message's text emptied). */
  async loggedMessage(roomId: string, seq: number, sql: Sql): Promise<Message> {
    const row = await sql.first(loggedChange({ streamKey: rooms.chat(roomId), seq }));
    if (!row) throw new Error(`no change ${seq} in room ${roomId}`);
    return (JSON.parse(row.data) as MessageChanged).message;
  }
}

/** What a reaction's write returns (see `reactionWritten`); its thread summary as every write returns it. */
type ReactionWritten = NonNullable<ReturnType<typeof insertReaction>['row']>;
type ThreadColumns = Pick<ReactionWritten, 'replyCount' | 'lastReplyAt' | 'latestRepliers'>;

/**
 * The row read first with the thread summary its write read: a reply committed meanwhile (on
 * PostgreSQL, by another node while the room's seq was waited for) is in the change logged after it.
 */
function withThread(row: MessageRow, written: ThreadColumns): MessageRow {
  return {
    ...row,
    replyCount: written.replyCount ?? 0,
    lastReplyAt: written.lastReplyAt,
    latestRepliers: written.latestRepliers,
  };
}

/** The reactions a reaction's write read (`othersOf`'s JSON array) as a message carries them. */
function othersFrom(messageId: string, others: string | null): (Carried['reactions'][number] & { before?: unknown })[] {
  const read = JSON.parse(others ?? '[]') as { emoji: string; userId: string; before?: unknown }[];
  return read.map(({ emoji, userId, before }) => ({ messageId, emoji, userId, before }));
}
