import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  ChatCommand,
  ErrorCode,
  Limits,
  SystemAction,
  type ChatChange,
  type ChatCommandResults,
  type ChatInput,
  type Message,
  type ReadMarker,
  type Room,
  type RoomReadResult,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { UnitOfWork } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import { UnitsOfWork } from '../db/units-of-work.js';
import { ChatRepository, type RoomRecord } from './chat.repository.js';
import { MessagesRepository, type MessageRecord } from './messages.repository.js';
import { findMentions } from './mentions.js';
import { advanceReadMarker } from './read-marker.js';
import { inviteCodeFor, newInviteCode } from '../common/invite-code.js';

/** Distinct emoji one message may carry; a new one beyond this answers `CONFLICT`. */
export const maxReactionEmojiPerMessage = 50;

/** What a join hands back besides presence, which the gateway adds. */
export type JoinOutcome = { room: Room; seq: number; readMarkers: ReadMarker[]; readSeq: number } & (
  { messages: Message[]; snapshot?: true } | { changes: ChatChange[] }
);

/** `room:read`'s answer, and whether the marker moved (then the gateway tells the room). */
export type ReadOutcome = RoomReadResult & { moved: boolean };

/** The text of a system message about `actor`. */
export function systemText(action: SystemAction, actor: User, roomName?: string): string {
  switch (action) {
    case SystemAction.Welcome:
      return 'welcome to the chat';
    case SystemAction.Joined:
      return `${actor.name} joined`;
    case SystemAction.Left:
      return `${actor.name} left`;
    case SystemAction.Renamed:
      return `${actor.name} renamed the room to "${roomName ?? ''}"`;
  }
}

/**
 * The chat's rules: who may see, join and write to a room, who may change a message, what a
 * resync returns, and where read markers stand.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly chat: ChatRepository,
    private readonly messages: MessagesRepository,
    private readonly writes: UnitsOfWork,
  ) {}

  // ---- rooms ----------------------------------------------------------------------------------

  async createRoom(user: User, input: ChatInput<'room:create'>): Promise<ChatCommandResults['room:create']> {
    const visibility = input.visibility ?? 'public';
    const inviteCode = inviteCodeFor(visibility);
    const record = await this.writes.write((context) =>
      this.chat.createRoom(context, { name: input.name, visibility, inviteCode, createdById: user.id }),
    );
    return { room: this.chat.toRoom(record, 0, true) };
  }

  async listRooms(user: User): Promise<ChatCommandResults['room:list']> {
    return { rooms: await this.chat.listRoomsVisibleTo(user.id) };
  }

  /**
   * Makes the user a member (a private room needs its invite code; a first join is announced by
   * a system message), then calls `subscribe` so the socket hears broadcasts, and only then reads
   * the snapshot or the missed changes: nothing committed in between can fall through (a client
   * drops broadcasts whose seq it already has).
   */
  async joinRoom(user: User, input: ChatInput<'room:join'>, subscribe: () => void): Promise<JoinOutcome> {
    const record = await this.requireRoom(input.roomId);
    const membership = await this.chat.findMembership(record.id, user.id);
    const readSeq = membership ? membership.readSeq : await this.becomeMember(user, record.id, input.inviteCode);
    subscribe();
    // Markers are not part of the room's seq order (a later move arrives as `read:updated`), so
    // they are read alongside rather than inside the consistent read, which holds up writes.
    const [outcome, readMarkers] = await Promise.all([
      this.snapshotOrChanges(record, input.sinceSeq),
      this.chat.readMarkers(record.id),
    ]);
    return { ...outcome, readMarkers, readSeq };
  }

  /** The room as of one moment: its seq, and the changes since `sinceSeq` or a snapshot. */
  private snapshotOrChanges(record: RoomRecord, sinceSeq: number | undefined) {
    return this.chat.consistently(async (sql) => {
      const seq = await this.chat.currentSeq(record.id, sql);
      const current = (await this.chat.findRoom(record.id, sql)) ?? record;
      const room = this.chat.toRoom(current, seq, true);
      if (sinceSeq !== undefined && sinceSeq <= seq && seq - sinceSeq <= Limits.resyncMaxChanges) {
        const changes = (await this.chat.changesSince(
          record.id,
          sinceSeq,
          Limits.resyncMaxChanges,
          sql,
        )) as ChatChange[];
        return { room, seq, changes };
      }
      const { messages } = await this.messages.messagesBefore(record.id, undefined, Limits.snapshotMessages, sql);
      return sinceSeq === undefined ? { room, seq, messages } : { room, seq, messages, snapshot: true as const };
    });
  }

  /**
   * The invite code is checked in the transaction that adds the member, against the code as
   * committed (a rotation just before is honoured). The new member has read up to their own
   * "joined" message: a room's past is not "new" to someone who just arrived.
   */
  private becomeMember(user: User, roomId: string, inviteCode: string | undefined): Promise<number> {
    return this.writes.write(async (context) => {
      const record = await this.requireRoom(roomId, context.sql);
      const membership = await this.chat.findMembership(roomId, user.id, context.sql);
      if (membership) return membership.readSeq;
      if (record.visibility === 'private' && inviteCode !== record.inviteCode) {
        throw DomainError.forbidden('this room is private: a valid invite code is needed to join');
      }
      const joined = await this.appendSystemMessage(context, roomId, SystemAction.Joined, user);
      await this.chat.addMember(context, roomId, user.id, joined.seq);
      return joined.seq;
    });
  }

  /** The user stops being a member; a member's leaving is announced by a system message. */
  async leaveRoom(user: User, input: ChatInput<'room:leave'>): Promise<ChatCommandResults['room:leave']> {
    const record = await this.requireRoom(input.roomId);
    await this.writes.write(async (context) => {
      if (await this.chat.removeMember(context, record.id, user.id)) {
        await this.appendSystemMessage(context, record.id, SystemAction.Left, user);
      }
    });
    return { roomId: record.id };
  }

  /** Creator only. The change is logged as `room:updated`, then announced by a system message. */
  renameRoom(user: User, input: ChatInput<'room:rename'>): Promise<ChatCommandResults['room:rename']> {
    return this.writes.once(user.id, input.opId, ChatCommand.RoomRename, async (context) => {
      const record = await this.requireRoom(input.roomId, context.sql);
      if (record.createdById !== user.id) throw DomainError.forbidden("only the room's creator can rename it");
      const withInviteCode = await this.chat.isMember(record.id, user.id, context.sql);
      if (record.name === input.name) {
        return { room: this.chat.toRoom(record, await this.chat.currentSeq(record.id, context.sql), withInviteCode) };
      }
      const renamed = await this.chat.renameRoom(context, record, input.name);
      await this.chat.appendRoomUpdated(context, renamed);
      const announced = await this.appendSystemMessage(context, record.id, SystemAction.Renamed, user, input.name);
      return { room: this.chat.toRoom(renamed, announced.seq, withInviteCode) };
    });
  }

  /** Creator of a private room only: a new code, and the old one stops opening the room. */
  rotateInviteCode(
    user: User,
    input: ChatInput<'room:invite:rotate'>,
  ): Promise<ChatCommandResults['room:invite:rotate']> {
    return this.writes.once(user.id, input.opId, ChatCommand.RoomInviteRotate, async (context) => {
      const record = await this.requireRoom(input.roomId, context.sql);
      if (record.createdById !== user.id)
        throw DomainError.forbidden("only the room's creator can rotate its invite code");
      if (record.visibility !== 'private')
        throw new DomainError(ErrorCode.Conflict, 'a public room has no invite code');
      const rotated = await this.chat.setInviteCode(context, record, newInviteCode());
      return { room: this.chat.toRoom(rotated, await this.chat.currentSeq(record.id, context.sql), true) };
    });
  }

  /**
   * Moves the user's read marker forward (see `advanceReadMarker`), and answers where it stands
   * and what is left unread. Members only. A marker already there writes nothing.
   */
  async markRead(user: User, input: ChatInput<'room:read'>): Promise<ReadOutcome> {
    const record = await this.requireRoom(input.roomId);
    const membership = await this.chat.findMembership(record.id, user.id);
    if (!membership) throw DomainError.forbidden('join the room before marking it read');
    const seq = advanceReadMarker(membership.readSeq, input.seq, await this.chat.currentSeq(record.id));
    const moved =
      seq > membership.readSeq &&
      (await this.writes.write((context) => this.chat.advanceReadSeq(context, record.id, user.id, seq)));
    const stored = moved ? seq : ((await this.chat.findMembership(record.id, user.id))?.readSeq ?? seq);
    const counts = (await this.chat.unreadCounts(user.id, [{ roomId: record.id, readSeq: stored }])).get(record.id);
    return { roomId: record.id, readSeq: stored, unread: counts?.unread ?? 0, mentions: counts?.mentions ?? 0, moved };
  }

  // ---- messages -------------------------------------------------------------------------------

  sendMessage(user: User, input: ChatInput<'message:send'>): Promise<ChatCommandResults['message:send']> {
    return this.writes.once(
      user.id,
      input.opId,
      ChatCommand.MessageSend,
      async (context) => {
        await this.requireRoom(input.roomId, context.sql);
        await this.requireMember(input.roomId, user, context.sql);
        const mentions = await this.mentionsIn(input.text, input.roomId, context.sql);
        const message = await this.messages.appendMessage(context, {
          roomId: input.roomId,
          author: user,
          text: input.text,
          mentions,
        });
        return { message };
      },
      // Its checks are reads, its writes appends: safe beside other works of its transaction.
      { replay: this.withCurrentText, overlaps: true },
    );
  }

  /** The author's own, not deleted, user messages only; the message is marked edited now. */
  editMessage(user: User, input: ChatInput<'message:edit'>): Promise<ChatCommandResults['message:edit']> {
    return this.onceWithMessage(user, input.opId, ChatCommand.MessageEdit, async (context) => {
      const message = await this.requireOwnMessage(input.messageId, user, context.sql, 'edit');
      const mentions = await this.mentionsIn(input.text, message.roomId, context.sql);
      await this.messages.editMessage(context, message.id, input.text, mentions);
      return { message: await this.messages.appendMessageChange(context, ChatBroadcast.MessageUpdated, message.id) };
    });
  }

  /** The author's own messages only: a soft delete that keeps the message's id and seq. */
  deleteMessage(user: User, input: ChatInput<'message:delete'>): Promise<ChatCommandResults['message:delete']> {
    return this.onceWithMessage(user, input.opId, ChatCommand.MessageDelete, async (context) => {
      const message = await this.requireOwnMessage(input.messageId, user, context.sql, 'delete');
      await this.messages.deleteMessage(context, message);
      return { message: await this.messages.appendMessageChange(context, ChatBroadcast.MessageDeleted, message.id) };
    });
  }

  /** Adds the user's reaction with that emoji, or removes it if it is there. Members only. */
  toggleReaction(user: User, input: ChatInput<'reaction:toggle'>): Promise<ChatCommandResults['reaction:toggle']> {
    return this.onceWithMessage(user, input.opId, ChatCommand.ReactionToggle, async (context) => {
      const { sql } = context;
      const message = await this.requireMessage(input.messageId, sql);
      await this.requireMember(message.roomId, user, sql);
      if (await this.messages.hasReaction(message.id, user.id, input.emoji, sql)) {
        await this.messages.removeReaction(context, message.id, user.id, input.emoji);
      } else {
        const used = await this.messages.reactionEmoji(message.id, sql);
        if (!used.includes(input.emoji) && used.length >= maxReactionEmojiPerMessage) {
          throw new DomainError(
            ErrorCode.Conflict,
            `a message carries at most ${maxReactionEmojiPerMessage} different emoji`,
          );
        }
        await this.messages.addReaction(context, message.id, user.id, input.emoji);
      }
      return { message: await this.messages.appendMessageChange(context, ChatBroadcast.MessageUpdated, message.id) };
    });
  }

  async history(user: User, input: ChatInput<'message:history'>): Promise<ChatCommandResults['message:history']> {
    const record = await this.requireRoom(input.roomId);
    if (record.visibility === 'private' && !(await this.chat.isMember(record.id, user.id))) {
      throw DomainError.forbidden('this room is private');
    }
    const { messages, more } = await this.messages.messagesBefore(record.id, input.before, input.limit);
    return { messages, nextCursor: more ? (messages[0]?.seq ?? null) : null };
  }

  /** Records when the user was last connected (one of their sockets just closed). */
  noteSeen(user: User, at = new Date()): Promise<void> {
    return this.writes.write((context) => this.chat.markSeen(context, user.id, at));
  }

  // ---- helpers --------------------------------------------------------------------------------

  /** `UnitsOfWork.once` for commands answering a message. */
  private onceWithMessage<T extends { message: Message }>(
    user: User,
    opId: string,
    command: ChatCommand,
    work: (context: UnitOfWork) => Promise<T>,
  ): Promise<T> {
    return this.writes.once(user.id, opId, command, work, { replay: this.withCurrentText });
  }

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

  private appendSystemMessage(
    context: UnitOfWork,
    roomId: string,
    action: SystemAction,
    actor: User,
    roomName?: string,
  ): Promise<Message> {
    return this.messages.appendMessage(context, {
      roomId,
      author: actor,
      text: systemText(action, actor, roomName),
      system: action,
    });
  }

  /** Members named with `@name`; the members are read only when the text has an `@` at all. */
  private async mentionsIn(text: string, roomId: string, sql: Sql): Promise<User[]> {
    if (!text.includes('@')) return [];
    return findMentions(text, await this.chat.memberUsers(roomId, sql));
  }

  private async requireRoom(roomId: string, sql?: Sql): Promise<RoomRecord> {
    const record = await this.chat.findRoom(roomId, sql);
    if (!record) throw DomainError.notFound('room');
    return record;
  }

  private async requireMember(roomId: string, user: User, sql: Sql): Promise<void> {
    if (!(await this.chat.isMember(roomId, user.id, sql))) throw DomainError.forbidden('join the room first');
  }

  /** A deleted message is gone as far as commands go: `NOT_FOUND`. */
  private async requireMessage(messageId: string, sql: Sql): Promise<MessageRecord> {
    const message = await this.messages.findMessage(messageId, sql);
    if (!message || message.deletedAt) throw DomainError.notFound('message');
    return message;
  }

  private async requireOwnMessage(
    messageId: string,
    user: User,
    sql: Sql,
    verb: 'edit' | 'delete',
  ): Promise<MessageRecord> {
    const message = await this.requireMessage(messageId, sql);
    if (message.kind !== 'user' || message.authorId !== user.id) {
      throw DomainError.forbidden(`only its author can ${verb} a message`);
    }
    await this.requireMember(message.roomId, user, sql);
    return message;
  }
}
