import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  type Change,
  type Message,
  type MessageCreated,
  type Room,
  type Visibility,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type Transaction, type WriteContext } from '../db/database.service.js';

const messageSelect = {
  id: true,
  roomId: true,
  seq: true,
  text: true,
  createdAt: true,
  author: { select: { id: true, name: true } },
} as const;

interface MessageRow {
  id: string;
  roomId: string;
  seq: number;
  text: string;
  createdAt: Date;
  author: { id: string; name: string };
}

export interface RoomRecord {
  id: string;
  name: string;
  visibility: Visibility;
  inviteCode: string | null;
  createdById: string;
  createdAt: Date;
}

function toMessage(row: MessageRow): Message {
  return { id: row.id, roomId: row.roomId, seq: row.seq, author: row.author, text: row.text, createdAt: row.createdAt.toISOString() };
}

/** Every Prisma call of the chat; rows become contract types here. */
@Injectable()
export class ChatRepository {
  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  toRoom(record: RoomRecord, seq: number, withInviteCode: boolean): Room {
    return {
      id: record.id,
      name: record.name,
      visibility: record.visibility,
      createdBy: record.createdById,
      createdAt: record.createdAt.toISOString(),
      seq,
      ...(withInviteCode && record.inviteCode ? { inviteCode: record.inviteCode } : {}),
    };
  }

  createRoom(
    room: { name: string; visibility: Visibility; inviteCode: string | null; createdById: string },
  ): Promise<RoomRecord> {
    return this.database.write(async ({ tx }) => {
      const created = await tx.room.create({ data: { id: randomUUID(), ...room } });
      await tx.membership.create({ data: { roomId: created.id, userId: room.createdById } });
      return created as RoomRecord;
    });
  }

  /** Reads take the caller's transaction when they decide a write. */
  async findRoom(roomId: string, db: Transaction = this.database.client): Promise<RoomRecord | null> {
    return (await db.room.findUnique({ where: { id: roomId } })) as RoomRecord | null;
  }

  /** Public rooms and the private rooms the user is a member of, with their last seq. */
  async listRoomsVisibleTo(userId: string): Promise<Room[]> {
    const records = await this.database.client.room.findMany({
      where: { OR: [{ visibility: 'public' }, { memberships: { some: { userId } } }] },
      include: { memberships: { where: { userId }, select: { userId: true } } },
      orderBy: { createdAt: 'asc' },
    });
    const seqs = await this.changeLog.currentSeqs(records.map((record) => rooms.chat(record.id)));
    return records.map((record) =>
      this.toRoom(record as RoomRecord, seqs.get(rooms.chat(record.id)) ?? 0, record.memberships.length > 0),
    );
  }

  async isMember(roomId: string, userId: string, db: Transaction = this.database.client): Promise<boolean> {
    return (await db.membership.count({ where: { roomId, userId } })) > 0;
  }

  addMember(roomId: string, userId: string): Promise<void> {
    return this.database.write(async ({ tx }) => {
      await tx.membership.upsert({ where: { roomId_userId: { roomId, userId } }, create: { roomId, userId }, update: {} });
    });
  }

  removeMember(roomId: string, userId: string): Promise<void> {
    return this.database.write(async ({ tx }) => {
      await tx.membership.deleteMany({ where: { roomId, userId } });
    });
  }

  /** Stores the message and its `message:created` change in the caller's transaction. */
  async appendMessage(context: WriteContext, message: { roomId: string; author: Message['author']; text: string }): Promise<Message> {
    const id = randomUUID();
    const createdAt = new Date();
    const { data } = await this.changeLog.append<MessageCreated>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(message.roomId),
      event: ChatBroadcast.MessageCreated,
      data: (seq) => ({
        roomId: message.roomId,
        seq,
        message: { id, roomId: message.roomId, seq, author: message.author, text: message.text, createdAt: createdAt.toISOString() },
      }),
    });
    await context.tx.message.create({
      data: { id, roomId: message.roomId, seq: data.seq, authorId: message.author.id, text: message.text, createdAt },
    });
    return data.message;
  }

  /** Up to `limit` messages before `beforeSeq` (or the newest), oldest first, and whether older ones remain. */
  async messagesBefore(roomId: string, beforeSeq: number | undefined, limit: number): Promise<{ messages: Message[]; more: boolean }> {
    const rows = await this.database.client.message.findMany({
      where: { roomId, ...(beforeSeq === undefined ? {} : { seq: { lt: beforeSeq } }) },
      orderBy: { seq: 'desc' },
      take: limit + 1,
      select: messageSelect,
    });
    const more = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), more };
  }

  currentSeq(roomId: string): Promise<number> {
    return this.changeLog.currentSeq(rooms.chat(roomId));
  }

  changesSince(roomId: string, sinceSeq: number, limit: number): Promise<Change[]> {
    return this.changeLog.since(rooms.chat(roomId), sinceSeq, limit);
  }

  /** Reads that must see one consistent moment (a snapshot and its seq). */
  consistently<T>(read: () => Promise<T>): Promise<T> {
    return this.database.serialized(read);
  }
}
