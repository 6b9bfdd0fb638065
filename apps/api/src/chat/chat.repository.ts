import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  timeOrderedId,
  type Change,
  type ReadMarker,
  type Room,
  type RoomListEntry,
  type RoomUpdated,
  type User,
  type Visibility,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { isoTimestamp, timestamp } from '../db/dialect.js';
import { prepare, type Sql } from '../db/sql.js';
import { UnreadCounts } from './unread-counts.js';

/** A read marker, and when its member joined (the order's second key). */
export interface MarkerRow {
  marker: ReadMarker;
  joinedAt: string;
}

export interface RoomRecord {
  id: string;
  name: string;
  visibility: Visibility;
  inviteCode: string | null;
  ownerId: string;
  createdAt: string;
}

const findRoom = prepare((db, room: { id: string }) =>
  db
    .selectFrom('Room')
    .select(['id', 'name', 'visibility', 'inviteCode', 'ownerId', 'createdAt'])
    .where('id', '=', room.id),
);

/** The room and its stream's seq, in one statement: one committed moment without a transaction. */
const findRoomWithSeq = prepare((db, room: { id: string; streamKey: string }) =>
  db
    .selectFrom('Room')
    .leftJoin('ChangeStream', (join) => join.on('ChangeStream.key', '=', room.streamKey))
    .select(['Room.id', 'name', 'visibility', 'inviteCode', 'ownerId', 'createdAt', 'ChangeStream.seq'])
    .where('Room.id', '=', room.id),
);

const findMembership = prepare((db, member: { roomId: string; userId: string }) =>
  db.selectFrom('Membership').select('readSeq').where('roomId', '=', member.roomId).where('userId', '=', member.userId),
);

const memberUsers = prepare((db, room: { roomId: string }) =>
  db
    .selectFrom('Membership')
    .innerJoin('User', 'User.id', 'Membership.userId')
    .select(['User.id', 'User.name'])
    .where('Membership.roomId', '=', room.roomId),
);

const addMember = prepare((db, member: { roomId: string; userId: string; readSeq: number; joinedAt: string }) =>
  db.insertInto('Membership').values({
    roomId: member.roomId,
    userId: member.userId,
    readSeq: member.readSeq,
    joinedAt: member.joinedAt,
  }),
);

/** In the order of the index on (roomId, readSeq desc, joinedAt, userId): no sort of the room's members. */
const furthestReadMarkers = prepare((db, room: { roomId: string; limit: number }) =>
  db
    .selectFrom('Membership')
    .innerJoin('User', 'User.id', 'Membership.userId')
    .select(['User.id', 'User.name', 'User.lastSeenAt', 'Membership.readSeq', 'Membership.joinedAt'])
    .where('Membership.roomId', '=', room.roomId)
    .orderBy('Membership.readSeq', 'desc')
    .orderBy('Membership.joinedAt')
    .orderBy('Membership.userId')
    .limit(room.limit),
);

/** Moves the marker only forward, in the database, so racing reads cannot move it back. */
const advanceReadSeq = prepare((db, marker: { roomId: string; userId: string; seq: number }) =>
  db
    .updateTable('Membership')
    .set({ readSeq: marker.seq })
    .where('roomId', '=', marker.roomId)
    .where('userId', '=', marker.userId)
    .where('readSeq', '<', marker.seq),
);

/** Rooms, members and read markers of the chat; rows become contract types here. */
@Injectable()
export class ChatRepository {
  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
    private readonly unread: UnreadCounts,
  ) {}

  toRoom(record: RoomRecord, seq: number, withInviteCode: boolean): Room {
    return {
      id: record.id,
      name: record.name,
      visibility: record.visibility,
      ownerId: record.ownerId,
      createdAt: isoTimestamp(record.createdAt),
      seq,
      ...(withInviteCode && record.inviteCode ? { inviteCode: record.inviteCode } : {}),
    };
  }

  /**
   * Reads that must see one committed moment (a snapshot and its seq), each given `sql`: one read
   * transaction, so other nodes' commits meanwhile cannot slip in between two of its statements.
   */
  consistently<T>(read: (sql: Sql) => Promise<T>): Promise<T> {
    return this.database.snapshot(read);
  }

  // ---- rooms ----------------------------------------------------------------------------------

  async createRoom(
    context: UnitOfWork,
    room: { name: string; visibility: Visibility; inviteCode: string | null; ownerId: string },
  ): Promise<RoomRecord> {
    const record: RoomRecord = { id: timeOrderedId(), ...room, createdAt: timestamp() };
    const { sql } = context;
    await sql.run(sql.db.insertInto('Room').values(record));
    await sql.run(addMember({ roomId: record.id, userId: room.ownerId, readSeq: 0, joinedAt: record.createdAt }));
    return record;
  }

  /** Reads take the caller's transaction when they decide a write. */
  async findRoom(roomId: string, sql: Sql = this.database.reader): Promise<RoomRecord | null> {
    return ((await sql.first(findRoom({ id: roomId }))) as RoomRecord | undefined) ?? null;
  }

  /** The room and its seq as of one moment, or null. */
  async findRoomWithSeq(roomId: string): Promise<{ record: RoomRecord; seq: number } | null> {
    const row = await this.database.reader.first(findRoomWithSeq({ id: roomId, streamKey: rooms.chat(roomId) }));
    if (!row) return null;
    const { seq, ...record } = row;
    return { record: record as RoomRecord, seq: seq ?? 0 };
  }

  /** Public rooms and the private rooms the user is a member of, with their last seq and the user's unread counts. */
  async listRoomsVisibleTo(userId: string): Promise<RoomListEntry[]> {
    const sql = this.database.reader;
    const records = (await sql.all(
      sql.db
        .selectFrom('Room')
        .leftJoin('Membership', (join) =>
          join.onRef('Membership.roomId', '=', 'Room.id').on('Membership.userId', '=', userId),
        )
        .select(['Room.id', 'name', 'visibility', 'inviteCode', 'ownerId', 'createdAt', 'Membership.readSeq'])
        .where((eb) => eb.or([eb('visibility', '=', 'public'), eb('Membership.userId', 'is not', null)]))
        .orderBy('createdAt')
        .orderBy('Room.id'),
    )) as (RoomRecord & { readSeq: number | null })[];
    const seqs = await this.changeLog.currentSeqs(records.map((record) => rooms.chat(record.id)));
    const markers = records.flatMap(({ id, readSeq }) => (readSeq === null ? [] : [{ roomId: id, readSeq }]));
    const counts = await this.unread.counts(userId, markers);
    return records.map((record) => {
      const member = record.readSeq !== null;
      return {
        ...this.toRoom(record, seqs.get(rooms.chat(record.id)) ?? 0, member),
        member,
        readSeq: record.readSeq ?? 0,
        unread: counts.get(record.id)?.unread ?? 0,
        mentions: counts.get(record.id)?.mentions ?? 0,
      };
    });
  }

  async renameRoom(context: UnitOfWork, record: RoomRecord, name: string): Promise<RoomRecord> {
    const { sql } = context;
    await sql.run(sql.db.updateTable('Room').set({ name }).where('id', '=', record.id));
    return { ...record, name };
  }

  /** Logs and broadcasts `room:updated`; the room goes out without its invite code. */
  async appendRoomUpdated(context: UnitOfWork, record: RoomRecord): Promise<number> {
    const { seq } = await this.changeLog.append<RoomUpdated>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(record.id),
      event: ChatBroadcast.RoomUpdated,
      data: (seq) => ({ roomId: record.id, seq, room: this.toRoom(record, seq, false) }),
    });
    return seq;
  }

  async setInviteCode(context: UnitOfWork, record: RoomRecord, inviteCode: string): Promise<RoomRecord> {
    const { sql } = context;
    await sql.run(sql.db.updateTable('Room').set({ inviteCode }).where('id', '=', record.id));
    return { ...record, inviteCode };
  }

  // ---- members and read markers ---------------------------------------------------------------

  async isMember(roomId: string, userId: string, sql: Sql = this.database.reader): Promise<boolean> {
    return (await sql.first(findMembership({ roomId, userId }))) !== undefined;
  }

  async findMembership(
    roomId: string,
    userId: string,
    sql: Sql = this.database.reader,
  ): Promise<{ readSeq: number } | null> {
    return (await sql.first(findMembership({ roomId, userId }))) ?? null;
  }

  /** Makes the user a member with their read marker at `readSeq`; when they joined. */
  async addMember(context: UnitOfWork, roomId: string, userId: string, readSeq: number): Promise<string> {
    const joinedAt = timestamp();
    await context.sql.run(addMember({ roomId, userId, readSeq, joinedAt }));
    return joinedAt;
  }

  /** Whether the user was a member. */
  async removeMember(context: UnitOfWork, roomId: string, userId: string): Promise<boolean> {
    const { sql } = context;
    return (
      (await sql.run(sql.db.deleteFrom('Membership').where('roomId', '=', roomId).where('userId', '=', userId))) > 0
    );
  }

  /** The members, for resolving `@name` mentions. */
  memberUsers(roomId: string, sql: Sql = this.database.reader): Promise<User[]> {
    return sql.all(memberUsers({ roomId }));
  }

  /** Moves the marker to `seq` if it is behind it. */
  async advanceReadSeq(context: UnitOfWork, roomId: string, userId: string, seq: number): Promise<boolean> {
    return (await context.sql.run(advanceReadSeq({ roomId, userId, seq }))) > 0;
  }

  /** The `limit` furthest read markers (a big room's join does not carry every member's), with when each member joined. */
  async readMarkers(roomId: string, limit: number, sql: Sql = this.database.reader): Promise<MarkerRow[]> {
    const rows = await sql.all(furthestReadMarkers({ roomId, limit }));
    return rows.map(({ id, name, lastSeenAt, readSeq, joinedAt }) => ({
      marker: { user: { id, name }, readSeq, lastSeenAt: lastSeenAt === null ? null : isoTimestamp(lastSeenAt) },
      joinedAt,
    }));
  }

  /** See `UnreadCounts.counts`. */
  unreadCounts(userId: string, markers: { roomId: string; readSeq: number }[]) {
    return this.unread.counts(userId, markers);
  }

  /** "Last seen" of the user, kept for the people who look at the room while they are offline. */
  async markSeen(context: UnitOfWork, userId: string, at: Date): Promise<void> {
    const { sql } = context;
    await sql.run(
      sql.db
        .updateTable('User')
        .set({ lastSeenAt: timestamp(at) })
        .where('id', '=', userId),
    );
  }

  currentSeq(roomId: string, sql?: Sql): Promise<number> {
    return this.changeLog.currentSeq(rooms.chat(roomId), sql);
  }

  changesSince(roomId: string, sinceSeq: number, limit: number, sql?: Sql): Promise<Change[]> {
    return this.changeLog.since(rooms.chat(roomId), sinceSeq, limit, sql);
  }
}
