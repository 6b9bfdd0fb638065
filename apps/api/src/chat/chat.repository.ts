import { Injectable } from '@nestjs/common';
import {
  ChatBroadcast,
  Namespace,
  rooms,
  type ReadMarker,
  type RoomListEntry,
  type RoomUpdated,
  type User,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { isoTimestamp, timestamp } from '../db/dialect.js';
import { prepare, type Sql } from '../db/sql.js';
import type { SpaceRecord, VisibleSpace } from '../spaces/spaces.repository.js';
import { toSummary } from '../spaces/spaces.service.js';
import { ownCountedAfterMove, UnreadCounts } from './unread-counts.js';

/** A read marker, and when its member joined (the order's second key). */
export interface MarkerRow {
  marker: ReadMarker;
  joinedAt: string;
}

const findMembership = prepare((db, member: { roomId: string; userId: string }) =>
  db.selectFrom('Membership').select('readSeq').where('roomId', '=', member.roomId).where('userId', '=', member.userId),
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

/** Name keys per mention lookup: far below either database's limit on a statement's parameters. */
const keysPerQuery = 500;

/**
 * Moves the marker only forward, in the database, so racing reads cannot move it back; the
 * member's own messages up to it are counted with it (see `ownCountedAfterMove`).
 */
const advanceReadSeq = prepare((db, marker: { roomId: string; userId: string; seq: number }) =>
  db
    .updateTable('Membership')
    .set((eb) => ({ readSeq: marker.seq, ownCountedAtMarker: ownCountedAfterMove(eb, marker) }))
    .where('roomId', '=', marker.roomId)
    .where('userId', '=', marker.userId)
    .where('readSeq', '<', marker.seq),
);

/** What the chat adds to its rooms as spaces: read markers, mentions' members, last seen; rows become contract types here. */
@Injectable()
export class ChatRepository {
  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
    private readonly unread: UnreadCounts,
  ) {}

  // ---- rooms ----------------------------------------------------------------------------------

  /** The user's directory of rooms (see `SpacesRepository.visibleTo`), with what they have not read. */
  async roomList(userId: string, visible: VisibleSpace[]): Promise<RoomListEntry[]> {
    const counts = visible.some((space) => space.member) ? await this.unread.counts(userId) : new Map<string, never>();
    return visible.map((space) => ({
      ...toSummary(space, space.seq, space.member),
      member: space.member,
      readSeq: space.readSeq ?? 0,
      unread: counts.get(space.id)?.unread ?? 0,
      mentions: counts.get(space.id)?.mentions ?? 0,
    }));
  }

  /** Logs and broadcasts `room:updated`; the room goes out without its invite code. */
  async appendRoomUpdated(context: UnitOfWork, record: SpaceRecord): Promise<number> {
    const { seq } = await this.changeLog.append<RoomUpdated>(context, {
      namespace: Namespace.Chat,
      stream: rooms.chat(record.id),
      event: ChatBroadcast.RoomUpdated,
      data: (seq) => ({ roomId: record.id, seq, room: toSummary(record, seq, false) }),
    });
    return seq;
  }

  // ---- members and read markers ---------------------------------------------------------------

  async findMembership(
    roomId: string,
    userId: string,
    sql: Sql = this.database.reader,
  ): Promise<{ readSeq: number } | null> {
    return (await sql.first(findMembership({ roomId, userId }))) ?? null;
  }

  /**
   * The members whose name has one of `keys` (see `nameKey`), for resolving `@name` mentions: found
   * through the index on the key, then their membership, whatever the room's size.
   */
  async membersNamed(roomId: string, keys: string[], sql: Sql = this.database.reader): Promise<User[]> {
    const members: User[] = [];
    // Bounded lists of parameters (a long text full of `@` makes thousands of keys).
    for (let start = 0; start < keys.length; start += keysPerQuery) {
      const chunk = keys.slice(start, start + keysPerQuery);
      members.push(
        ...(await sql.all(
          sql.db
            .selectFrom('User')
            .innerJoin('Membership', (join) =>
              join.onRef('Membership.userId', '=', 'User.id').on('Membership.roomId', '=', roomId),
            )
            .select(['User.id', 'User.name'])
            .where('User.nameKey', 'in', chunk),
        )),
      );
    }
    return members;
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

  /** The member's marker as stored and what is left unread after it (see `UnreadCounts`); undefined for a non-member. */
  unreadIn(userId: string, roomId: string) {
    return this.unread.countIn(userId, roomId);
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
}
