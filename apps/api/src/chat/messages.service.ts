import { Injectable } from '@nestjs/common';
import { ChatCommand, type ChatCommandResults, type ChatInput, type Message, type User } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { UnitOfWork } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import { UnitsOfWork } from '../db/units-of-work.js';
import { ChatRepository } from './chat.repository.js';
import { SpaceKinds } from '../space-kinds.js';
import { SpacesService } from '../spaces/spaces.service.js';
import { findMentions, mentionKeys } from './mentions.js';
import { MessageChangesRepository, type FoundMessage } from './message-changes.repository.js';
import { MessagesInFlight } from './messages-in-flight.js';
import { MessagesRepository } from './messages.repository.js';
import { emojiOverLimit, tooManyEmoji } from './reaction-limit.js';
import { ThreadsService } from './threads/threads.service.js';

/** What a `message:send`'s opId keeps: the message's id, or, stored before that, the result itself. */
type SendKept = { sent: string } | ChatCommandResults['message:send'];

/**
 * What the opId of a command on a message keeps: the seq of the change that logged the message in
 * its room (its row keeps the message), or, stored before that, the result itself.
 */
type ChangeKept<T> = { roomId: string; logged: number } | T;

/** The messages' rules: who may write, change or react to a message, and what a retry answers. */
@Injectable()
export class MessagesService {
  private readonly inFlight = new MessagesInFlight();

  constructor(
    private readonly spaces: SpacesService,
    private readonly chat: ChatRepository,
    private readonly messages: MessagesRepository,
    private readonly changes: MessageChangesRepository,
    private readonly writes: UnitsOfWork,
    private readonly threads: ThreadsService,
  ) {}

  sendMessage(user: User, input: ChatInput<'message:send'>): Promise<ChatCommandResults['message:send']> {
    // Its checks are reads, its writes appends: safe beside other works of its transaction. A
    // reply also rewrites its parent's summary from what the parent holds: never beside others.
    const store = (context: UnitOfWork) => this.store(context, user, input);
    return this.writes.once(user.id, input.opId, ChatCommand.MessageSend, store, {
      // The message as sent is kept on its row: the opId keeps its id only.
      keep: ({ message }): SendKept => ({ sent: message.id }),
      replay: this.sentAgain,
      overlaps: input.replyTo === undefined,
      check: (context) => this.spaces.requireMemberAmong(SpaceKinds.room, input.roomId, user, context),
    });
  }

  /** The message (its author's membership checked with its opId), with its mentions; a reply updates its thread. */
  private async store(
    context: UnitOfWork,
    user: User,
    input: ChatInput<'message:send'>,
  ): Promise<ChatCommandResults['message:send']> {
    const replyTo =
      input.replyTo === undefined ? undefined : await this.threads.parentFor(input.replyTo, input.roomId, context.sql);
    const mentions = await this.mentionsIn(input.text, input.roomId, context.sql);
    const message = await this.messages.appendMessage(context, {
      roomId: input.roomId,
      author: user,
      text: input.text,
      mentions,
      ...(replyTo ? { replyTo } : {}),
      opId: input.opId,
    });
    if (replyTo) await this.threads.replyAdded(context, replyTo, message);
    return { message };
  }

  /** The author's own, not deleted, user messages only; the message is marked edited now. */
  editMessage(user: User, input: ChatInput<'message:edit'>): Promise<ChatCommandResults['message:edit']> {
    const rule = { ownOnly: 'edit', overlaps: true } as const;
    return this.onceOnMessage(user, input, ChatCommand.MessageEdit, rule, async (context, found) => {
      const mentions = await this.mentionsIn(input.text, found.record.roomId, context.sql);
      return { message: await this.changes.editMessage(context, found, input.text, mentions) };
    });
  }

  /** The author's own messages only: a soft delete that keeps the message's id and seq. */
  deleteMessage(user: User, input: ChatInput<'message:delete'>): Promise<ChatCommandResults['message:delete']> {
    // A reply's delete rewrites its parent's summary from what the parent holds: never beside others.
    const rule = { ownOnly: 'delete', overlaps: false } as const;
    return this.onceOnMessage(user, input, ChatCommand.MessageDelete, rule, async (context, found) => {
      const deleted = await this.changes.deleteMessage(context, found);
      if (found.record.replyToId) await this.threads.replyRemoved(context, found.record.replyToId);
      return { message: deleted };
    });
  }

  /** Adds the user's reaction with that emoji, or removes it if it is there. Members only. */
  toggleReaction(user: User, input: ChatInput<'reaction:toggle'>): Promise<ChatCommandResults['reaction:toggle']> {
    const rule = { overlaps: true } as const;
    return this.onceOnMessage(user, input, ChatCommand.ReactionToggle, rule, async (context, found) => {
      const reactions = await this.changes.reactionsOf(found, context.sql);
      const { emoji } = input;
      const mine = reactions.some((reaction) => reaction.emoji === emoji && reaction.userId === user.id);
      if (emojiOverLimit(reactions, emoji)) throw tooManyEmoji();
      const reaction = { userId: user.id, emoji, add: !mine };
      return { message: await this.changes.toggleReaction(context, found, reaction) };
    });
  }

  async history(user: User, input: ChatInput<'message:history'>): Promise<ChatCommandResults['message:history']> {
    const record = await this.spaces.require(SpaceKinds.room, input.roomId);
    await this.spaces.requireAccess(SpaceKinds.room, user, record);
    const { messages, more } = await this.messages.messagesBefore(record.id, input.before, input.limit);
    return { messages, nextCursor: more ? (messages[0]?.seq ?? null) : null };
  }

  /**
   * `UnitsOfWork.once` for a command on a stored message: the message is read (and the rules of
   * `requireMessage` checked) with the opId's lookup; the work gets it. `overlaps`: it may work
   * beside the others of its transaction, when no other command on the message is in flight.
   */
  private onceOnMessage<T extends { message: Message }>(
    user: User,
    input: { opId: string; messageId: string },
    command: ChatCommand,
    rule: { ownOnly?: 'edit' | 'delete'; overlaps: boolean },
    work: (context: UnitOfWork, found: FoundMessage) => Promise<T>,
  ): Promise<T> {
    return this.inFlight.run(input.messageId, (alone) => {
      let found: Promise<FoundMessage> | undefined;
      return this.writes.once<T, ChangeKept<T>>(
        user.id,
        input.opId,
        command,
        async (context) => work(context, await found!),
        {
          // Not the message again: its JSON is the change's row's, and a second copy cost as much to write.
          keep: (result) => {
            const logged = this.changes.loggedSeq(result.message);
            return logged === undefined ? result : { roomId: result.message.roomId, logged };
          },
          replay: this.changedAgain,
          overlaps: rule.overlaps && alone,
          check: (context) => (found = this.requireMessage(input.messageId, user, context, rule.ownOnly)),
        },
      );
    });
  }

  /** A retried send: the message as it was sent (from its row), by `withCurrentText`'s rule. */
  private readonly sentAgain = async (
    stored: SendKept,
    context: UnitOfWork,
  ): Promise<ChatCommandResults['message:send']> => {
    const sent = 'sent' in stored ? { message: await this.messages.messageAsSent(stored.sent, context.sql) } : stored;
    return this.withCurrentText(sent, context);
  };

  /** A retried command on a message: the message as its change logged it, by `withCurrentText`'s rule. */
  private readonly changedAgain = async <T extends { message: Message }>(
    stored: ChangeKept<T>,
    context: UnitOfWork,
  ): Promise<T> => {
    if (!('logged' in stored)) return this.withCurrentText(stored, context);
    const message = await this.changes.loggedMessage(stored.roomId, stored.logged, context.sql);
    return this.withCurrentText({ message } as T, context);
  };

  /** A retry answers the first result, but never the text of a message deleted since. */
  private readonly withCurrentText = async <T extends { message: Message }>(
    stored: T,
    { sql }: UnitOfWork,
  ): Promise<T> => {
    if (stored.message.deletedAt) return stored;
    const current = await this.messages.findMessage(stored.message.id, sql);
    if (!current?.deletedAt) return stored;
    const deletedAt = new Date(current.deletedAt).toISOString();
    return { ...stored, message: { ...stored.message, text: '', mentions: [], reactions: [], deletedAt } };
  };

  /** Members named with `@name`: only the members whose name the text could name are read. */
  private async mentionsIn(text: string, roomId: string, sql: Sql): Promise<User[]> {
    const keys = mentionKeys(text);
    if (keys.length === 0) return [];
    return findMentions(text, await this.chat.membersNamed(roomId, keys, sql));
  }

  /** A deleted message is gone as far as commands go: `NOT_FOUND`; then members of its room only. */
  private async requireMessage(
    messageId: string,
    user: User,
    context: UnitOfWork,
    ownOnly?: 'edit' | 'delete',
  ): Promise<FoundMessage> {
    const found = await this.changes.findMessageForMember(messageId, user.id, context);
    if (!found || found.record.deletedAt) throw DomainError.notFound('message');
    const { record, member } = found;
    if (ownOnly && (record.kind !== 'user' || record.authorId !== user.id)) {
      throw DomainError.forbidden(`only its author can ${ownOnly} a message`);
    }
    this.spaces.requireMembership(SpaceKinds.room, { deleted: false, member });
    return found;
  }
}
