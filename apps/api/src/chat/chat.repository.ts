import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  timeOrderedId,
  type Change,
  type Message,
  type MessageChanged,
  type MessageKind,
  type ReadMarker,
  type Reaction,
  type Room,
  type RoomListEntry,
  type RoomUpdated,
  type SystemAction,
  type User,
  type Visibility,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import {
  DatabaseService,
  type DirectWriteContext,
  type Reader,
  type Transaction,
  type WriteContext,
} from '../db/database.service.js';
import { SqliteStatements, fromSqliteTimestamp, sqliteTimestamp } from '../db/sqlite-statements.js';
import type { Prisma } from '../generated/prisma/client.js';

const messageSelect = {
  id: true,
  roomId: true,
  seq: true,
  text: true,
  kind: true,
  action: true,
  createdAt: true,
  editedAt: true,
  deletedAt: true,
  author: { select: { id: true, name: true } },
  reactions: { select: { emoji: true, userId: true }, orderBy: [{ createdAt: 'asc' }, { userId: 'asc' }] },
  mentions: { select: { userId: true, name: true }, orderBy: [{ name: 'asc' }, { userId: 'asc' }] },
} satisfies Prisma.MessageSelect;

interface MessageRow {
  id: string;
  roomId: string;
  seq: number;
  text: string;
  kind: string;
  action: string | null;
  createdAt: Date;
  editedAt: Date | null;
  deletedAt: Date | null;
  author: User;
  reactions: { emoji: string; userId: string }[];
  mentions: { userId: string; name: string }[];
}

export interface RoomRecord {
  id: string;
  name: string;
  visibility: Visibility;
  inviteCode: string | null;
  createdById: string;
  createdAt: Date;
}

/** What the rules need to know about a message. */
export interface MessageRecord {
  id: string;
  roomId: string;
  seq: number;
  authorId: string;
  kind: MessageKind;
  deletedAt: Date | null;
}

/** A message to store: a user's, or a system message about `author`. */
export interface NewMessage {
  roomId: string;
  author: User;
  text: string;
  mentions?: User[];
  system?: SystemAction;
}

/** Unread counts are asked in slices, so that one query's conditions stay well within SQLite's limits. */
const unreadQuerySlice = 200;

function groupReactions(rows: MessageRow['reactions']): Reaction[] {
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

function toMessage(row: MessageRow): Message {
  return {
    id: row.id,
    roomId: row.roomId,
    seq: row.seq,
    author: row.author,
    text: row.text,
    kind: row.kind as MessageKind,
    ...(row.action ? { action: row.action as SystemAction } : {}),
    createdAt: row.createdAt.toISOString(),
    ...(row.editedAt ? { editedAt: row.editedAt.toISOString() } : {}),
    ...(row.deletedAt ? { deletedAt: row.deletedAt.toISOString() } : {}),
    reactions: groupReactions(row.reactions),
    mentions: row.mentions.map((mention) => ({ id: mention.userId, name: mention.name })),
  };
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

  /** Runs the service's `work` as one write transaction (see `DatabaseService.write`). */
  write<T>(work: (context: WriteContext) => Promise<T>): Promise<T> {
    return this.database.write(work);
  }

  /** Reads that must see one consistent moment (a snapshot and its seq). */
  consistently<T>(read: () => Promise<T>): Promise<T> {
    return this.database.serialized(read);
  }

  // ---- rooms ----------------------------------------------------------------------------------

  createRoom(room: {
    name: string;
    visibility: Visibility;
    inviteCode: string | null;
    createdById: string;
  }): Promise<RoomRecord> {
    return this.database.write(async ({ tx }) => {
      const created = await tx.room.create({ data: { id: timeOrderedId(), ...room } });
      await tx.membership.create({ data: { roomId: created.id, userId: room.createdById } });
      return created as RoomRecord;
    });
  }

  /** Reads take the caller's transaction when they decide a write. */
  async findRoom(roomId: string, db: Reader = this.database.client): Promise<RoomRecord | null> {
    if (db instanceof SqliteStatements) {
      const row = db.get<Omit<RoomRecord, 'createdAt'> & { createdAt: string }>(
        'SELECT id, name, visibility, inviteCode, createdById, createdAt FROM Room WHERE id = ?',
        roomId,
      );
      return row ? { ...row, createdAt: fromSqliteTimestamp(row.createdAt) } : null;
    }
    return (await db.room.findUnique({ where: { id: roomId } })) as RoomRecord | null;
  }

  /** Public rooms and the private rooms the user is a member of, with their last seq and the user's unread counts. */
  async listRoomsVisibleTo(userId: string): Promise<RoomListEntry[]> {
    const records = await this.database.client.room.findMany({
      where: { OR: [{ visibility: 'public' }, { memberships: { some: { userId } } }] },
      include: { memberships: { where: { userId }, select: { readSeq: true } } },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
    const seqs = await this.changeLog.currentSeqs(records.map((record) => rooms.chat(record.id)));
    const markers = records.flatMap((record) =>
      record.memberships.map(({ readSeq }) => ({ roomId: record.id, readSeq })),
    );
    const counts = await this.unreadCounts(userId, markers);
    return records.map((record) => {
      const membership = record.memberships[0];
      return {
        ...this.toRoom(record as RoomRecord, seqs.get(rooms.chat(record.id)) ?? 0, membership !== undefined),
        member: membership !== undefined,
        readSeq: membership?.readSeq ?? 0,
        unread: counts.get(record.id)?.unread ?? 0,
        mentions: counts.get(record.id)?.mentions ?? 0,
      };
    });
  }

  renameRoom(context: WriteContext, roomId: string, name: string): Promise<RoomRecord> {
    return context.tx.room.update({ where: { id: roomId }, data: { name } }) as Promise<RoomRecord>;
  }

  /** Logs and broadcasts `room:updated`; the room goes out without its invite code. */
  async appendRoomUpdated(context: WriteContext, record: RoomRecord): Promise<number> {
    const { seq } = await this.changeLog.append<RoomUpdated>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(record.id),
      event: ChatBroadcast.RoomUpdated,
      data: (seq) => ({ roomId: record.id, seq, room: this.toRoom(record, seq, false) }),
    });
    return seq;
  }

  setInviteCode(context: WriteContext, roomId: string, inviteCode: string): Promise<RoomRecord> {
    return context.tx.room.update({ where: { id: roomId }, data: { inviteCode } }) as Promise<RoomRecord>;
  }

  // ---- members and read markers ---------------------------------------------------------------

  async isMember(roomId: string, userId: string, db: Reader = this.database.client): Promise<boolean> {
    if (db instanceof SqliteStatements)
      return db.get('SELECT 1 FROM Membership WHERE roomId = ? AND userId = ?', roomId, userId) !== undefined;
    return (await db.membership.count({ where: { roomId, userId } })) > 0;
  }

  async findMembership(
    roomId: string,
    userId: string,
    db: Transaction = this.database.client,
  ): Promise<{ readSeq: number } | null> {
    return db.membership.findUnique({ where: { roomId_userId: { roomId, userId } }, select: { readSeq: true } });
  }

  /** Makes the user a member with their read marker at `readSeq`. */
  async addMember(context: WriteContext, roomId: string, userId: string, readSeq: number): Promise<void> {
    await context.tx.membership.create({ data: { roomId, userId, readSeq } });
  }

  /** Whether the user was a member. */
  async removeMember(context: WriteContext, roomId: string, userId: string): Promise<boolean> {
    const { count } = await context.tx.membership.deleteMany({ where: { roomId, userId } });
    return count > 0;
  }

  /** The members, for resolving `@name` mentions. */
  async memberUsers(roomId: string, db: Reader = this.database.client): Promise<User[]> {
    if (db instanceof SqliteStatements) {
      return db.all<User>(
        'SELECT User.id, User.name FROM Membership JOIN User ON User.id = Membership.userId WHERE Membership.roomId = ?',
        roomId,
      );
    }
    const rows = await db.membership.findMany({
      where: { roomId },
      select: { user: { select: { id: true, name: true } } },
    });
    return rows.map((row) => row.user);
  }

  /** Moves the marker to `seq` if it is behind it (in the database, so racing reads cannot move it back). */
  async advanceReadSeq(context: WriteContext, roomId: string, userId: string, seq: number): Promise<boolean> {
    const { count } = await context.tx.membership.updateMany({
      where: { roomId, userId, readSeq: { lt: seq } },
      data: { readSeq: seq },
    });
    return count > 0;
  }

  /** Every member's read marker, in the order they joined. */
  async readMarkers(roomId: string): Promise<ReadMarker[]> {
    const rows = await this.database.client.membership.findMany({
      where: { roomId },
      orderBy: [{ joinedAt: 'asc' }, { userId: 'asc' }],
      select: { readSeq: true, user: { select: { id: true, name: true, lastSeenAt: true } } },
    });
    return rows.map(({ readSeq, user }) => ({
      user: { id: user.id, name: user.name },
      readSeq,
      lastSeenAt: user.lastSeenAt?.toISOString() ?? null,
    }));
  }

  /**
   * Per room, the messages after the marker that count as unread for the user — by someone else,
   * not deleted, not a system message (the rule of the contract's `countsAsUnread`) — and those
   * of them that mention the user.
   */
  async unreadCounts(
    userId: string,
    markers: { roomId: string; readSeq: number }[],
    db: Transaction = this.database.client,
  ): Promise<Map<string, { unread: number; mentions: number }>> {
    const counts = new Map<string, { unread: number; mentions: number }>();
    for (let start = 0; start < markers.length; start += unreadQuerySlice) {
      const slice = markers.slice(start, start + unreadQuerySlice);
      const where = {
        OR: slice.map(({ roomId, readSeq }) => ({ roomId, seq: { gt: readSeq } })),
        authorId: { not: userId },
        kind: 'user',
        deletedAt: null,
      };
      const [unread, mentions] = await Promise.all([
        db.message.groupBy({ by: ['roomId'], where, _count: { _all: true } }),
        db.message.groupBy({
          by: ['roomId'],
          where: { ...where, mentions: { some: { userId } } },
          _count: { _all: true },
        }),
      ]);
      for (const row of unread) counts.set(row.roomId, { unread: row._count._all, mentions: 0 });
      for (const row of mentions) {
        const count = counts.get(row.roomId);
        if (count) count.mentions = row._count._all;
      }
    }
    return counts;
  }

  /** "Last seen" of the user, kept for the people who look at the room while they are offline. */
  markSeen(userId: string, at: Date): Promise<void> {
    return this.database.write(async ({ tx }) => {
      await tx.user.updateMany({ where: { id: userId }, data: { lastSeenAt: at } });
    });
  }

  // ---- messages -------------------------------------------------------------------------------

  /** Stores the message and its `message:created` change in the caller's transaction. */
  async appendMessage(context: DirectWriteContext, message: NewMessage): Promise<Message> {
    const id = timeOrderedId();
    const createdAt = new Date();
    const mentions = message.mentions ?? [];
    const kind: MessageKind = message.system ? 'system' : 'user';
    const { data } = await this.changeLog.append<MessageChanged>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(message.roomId),
      event: ChatBroadcast.MessageCreated,
      data: (seq) => ({
        roomId: message.roomId,
        seq,
        message: {
          id,
          roomId: message.roomId,
          seq,
          author: message.author,
          text: message.text,
          kind,
          ...(message.system ? { action: message.system } : {}),
          createdAt: createdAt.toISOString(),
          reactions: [],
          mentions,
        },
      }),
    });
    const row = {
      id,
      roomId: message.roomId,
      seq: data.seq,
      authorId: message.author.id,
      text: message.text,
      kind,
      action: message.system ?? null,
      createdAt,
    };
    const { db } = context;
    if (db instanceof SqliteStatements) {
      db.run(
        'INSERT INTO Message (id, roomId, seq, authorId, text, kind, action, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        row.id,
        row.roomId,
        row.seq,
        row.authorId,
        row.text,
        row.kind,
        row.action,
        sqliteTimestamp(row.createdAt),
      );
    } else {
      await db.message.create({ data: row, select: { id: true } });
    }
    await this.addMentions(context, id, mentions);
    return data.message;
  }

  async findMessage(messageId: string, db: Transaction = this.database.client): Promise<MessageRecord | null> {
    return (await db.message.findUnique({
      where: { id: messageId },
      select: { id: true, roomId: true, seq: true, authorId: true, kind: true, deletedAt: true },
    })) as MessageRecord | null;
  }

  /** Replaces the text and its mentions, and marks the message edited now. */
  async editMessage(context: WriteContext, messageId: string, text: string, mentions: User[]): Promise<void> {
    await context.tx.message.update({ where: { id: messageId }, data: { text, editedAt: new Date() } });
    await context.tx.messageMention.deleteMany({ where: { messageId } });
    await this.addMentions(context, messageId, mentions);
  }

  private async addMentions(context: DirectWriteContext, messageId: string, mentions: User[]): Promise<void> {
    if (mentions.length === 0) return;
    const { db } = context;
    if (db instanceof SqliteStatements) {
      for (const user of mentions)
        db.run('INSERT INTO MessageMention (messageId, userId, name) VALUES (?, ?, ?)', messageId, user.id, user.name);
      return;
    }
    await db.messageMention.createMany({
      data: mentions.map((user) => ({ messageId, userId: user.id, name: user.name })),
    });
  }

  /**
   * Soft delete: the row keeps its id and seq with `deletedAt` set, and loses its text, reactions
   * and mentions. The payloads already logged for the message (its creation, edits, reactions)
   * are emptied the same way, so that a resync never replays the text either.
   */
  async deleteMessage(context: WriteContext, message: MessageRecord): Promise<void> {
    const { tx } = context;
    await tx.message.update({ where: { id: message.id }, data: { text: '', deletedAt: new Date() } });
    await tx.reaction.deleteMany({ where: { messageId: message.id } });
    await tx.messageMention.deleteMany({ where: { messageId: message.id } });
    // A message only appears in changes from its own seq on.
    const logged = await tx.change.findMany({
      where: {
        streamKey: rooms.chat(message.roomId),
        seq: { gte: message.seq },
        data: { contains: `"id":"${message.id}"` },
      },
      select: { seq: true, data: true },
    });
    for (const change of logged) {
      const data = JSON.parse(change.data) as Partial<MessageChanged>;
      if (data.message?.id !== message.id) continue;
      data.message = { ...data.message, text: '', mentions: [] };
      await tx.change.update({
        where: { streamKey_seq: { streamKey: rooms.chat(message.roomId), seq: change.seq } },
        data: { data: JSON.stringify(data) },
      });
    }
  }

  async hasReaction(messageId: string, userId: string, emoji: string, db: Transaction): Promise<boolean> {
    return (await db.reaction.count({ where: { messageId, userId, emoji } })) > 0;
  }

  /** The distinct emoji used on the message. */
  async reactionEmoji(messageId: string, db: Transaction): Promise<string[]> {
    const rows = await db.reaction.findMany({ where: { messageId }, distinct: ['emoji'], select: { emoji: true } });
    return rows.map((row) => row.emoji);
  }

  async addReaction(context: WriteContext, messageId: string, userId: string, emoji: string): Promise<void> {
    await context.tx.reaction.create({ data: { messageId, userId, emoji } });
  }

  async removeReaction(context: WriteContext, messageId: string, userId: string, emoji: string): Promise<void> {
    await context.tx.reaction.deleteMany({ where: { messageId, userId, emoji } });
  }

  /** Logs and broadcasts the message as it now is, as `message:updated` or `message:deleted`. */
  async appendMessageChange(
    context: WriteContext,
    event: typeof ChatBroadcast.MessageUpdated | typeof ChatBroadcast.MessageDeleted,
    messageId: string,
  ): Promise<Message> {
    const message = toMessage(
      await context.tx.message.findUniqueOrThrow({ where: { id: messageId }, select: messageSelect }),
    );
    await this.changeLog.append<MessageChanged>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(message.roomId),
      event,
      data: (seq) => ({ roomId: message.roomId, seq, message }),
    });
    return message;
  }

  /** Up to `limit` messages before `beforeSeq` (or the newest), oldest first, and whether older ones remain. */
  async messagesBefore(
    roomId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<{ messages: Message[]; more: boolean }> {
    const rows = await this.database.client.message.findMany({
      where: { roomId, ...(beforeSeq === undefined ? {} : { seq: { lt: beforeSeq } }) },
      orderBy: { seq: 'desc' },
      take: limit + 1,
      select: messageSelect,
    });
    const more = rows.length > limit;
    return { messages: rows.slice(0, limit).reverse().map(toMessage), more };
  }

  currentSeq(roomId: string, db?: Transaction): Promise<number> {
    return this.changeLog.currentSeq(rooms.chat(roomId), db);
  }

  changesSince(roomId: string, sinceSeq: number, limit: number): Promise<Change[]> {
    return this.changeLog.since(rooms.chat(roomId), sinceSeq, limit);
  }
}
