import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ChatCommand,
  Limits,
  type ChatChange,
  type ChatCommandResults,
  type ChatInput,
  type Message,
  type Room,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { Transaction } from '../db/database.service.js';
import { IdempotentWrites } from '../db/idempotent-writes.js';
import { ChatRepository, type RoomRecord } from './chat.repository.js';

/** What a join hands back besides presence, which the gateway adds. */
export type JoinOutcome =
  | { room: Room; seq: number; messages: Message[]; snapshot?: true }
  | { room: Room; seq: number; changes: ChatChange[] };

/** The chat's rules: who may see, join and write to a room, and what a resync returns. */
@Injectable()
export class ChatService {
  constructor(
    private readonly chat: ChatRepository,
    private readonly writes: IdempotentWrites,
  ) {}

  async createRoom(user: User, input: ChatInput<'room:create'>): Promise<ChatCommandResults['room:create']> {
    const visibility = input.visibility ?? 'public';
    const inviteCode = visibility === 'private' ? randomBytes(12).toString('base64url') : null;
    const record = await this.chat.createRoom({ name: input.name, visibility, inviteCode, createdById: user.id });
    return { room: this.chat.toRoom(record, 0, true) };
  }

  async listRooms(user: User): Promise<ChatCommandResults['room:list']> {
    return { rooms: await this.chat.listRoomsVisibleTo(user.id) };
  }

  /**
   * Makes the user a member (a private room needs its invite code), then calls `subscribe` so the
   * socket hears broadcasts, and only then reads the snapshot or the missed changes: nothing
   * committed in between can fall through (a client drops broadcasts whose seq it already has).
   */
  async joinRoom(
    user: User,
    input: ChatInput<'room:join'>,
    subscribe: () => void,
  ): Promise<JoinOutcome> {
    const record = await this.requireRoom(input.roomId);
    const isMember = await this.chat.isMember(record.id, user.id);
    if (!isMember && record.visibility === 'private' && input.inviteCode !== record.inviteCode) {
      throw DomainError.forbidden('this room is private: a valid invite code is needed to join');
    }
    if (!isMember) await this.chat.addMember(record.id, user.id);
    subscribe();
    return this.chat.consistently(async () => {
      const seq = await this.chat.currentSeq(record.id);
      const room = this.chat.toRoom(record, seq, true);
      const { sinceSeq } = input;
      if (sinceSeq !== undefined && sinceSeq <= seq && seq - sinceSeq <= Limits.resyncMaxChanges) {
        const changes = (await this.chat.changesSince(record.id, sinceSeq, Limits.resyncMaxChanges)) as ChatChange[];
        return { room, seq, changes };
      }
      const { messages } = await this.chat.messagesBefore(record.id, undefined, Limits.snapshotMessages);
      return sinceSeq === undefined ? { room, seq, messages } : { room, seq, messages, snapshot: true };
    });
  }

  async leaveRoom(user: User, input: ChatInput<'room:leave'>): Promise<ChatCommandResults['room:leave']> {
    const record = await this.requireRoom(input.roomId);
    await this.chat.removeMember(record.id, user.id);
    return { roomId: record.id };
  }

  async sendMessage(user: User, input: ChatInput<'message:send'>): Promise<ChatCommandResults['message:send']> {
    return this.writes.once(user.id, input.opId, ChatCommand.MessageSend, async (context) => {
      await this.requireRoom(input.roomId, context.tx);
      if (!(await this.chat.isMember(input.roomId, user.id, context.tx))) {
        throw DomainError.forbidden('join the room before sending to it');
      }
      return { message: await this.chat.appendMessage(context, { roomId: input.roomId, author: user, text: input.text }) };
    });
  }

  async history(
    user: User,
    input: ChatInput<'message:history'>,
  ): Promise<ChatCommandResults['message:history']> {
    const record = await this.requireRoom(input.roomId);
    if (record.visibility === 'private' && !(await this.chat.isMember(record.id, user.id))) {
      throw DomainError.forbidden('this room is private');
    }
    const { messages, more } = await this.chat.messagesBefore(record.id, input.before, input.limit);
    return { messages, nextCursor: more && messages.length > 0 ? messages[0].seq : null };
  }

  private async requireRoom(roomId: string, db?: Transaction): Promise<RoomRecord> {
    const record = await this.chat.findRoom(roomId, db);
    if (!record) throw DomainError.notFound('room');
    return record;
  }
}
