import { Injectable } from '@nestjs/common';
import { rooms } from '@tandem/contract';
import { expressionBuilder, sql as raw, type Expression, type ExpressionBuilder, type Kysely } from 'kysely';
import { DatabaseService } from '../db/database.service.js';
import type { DB } from '../generated/kysely/database.js';
import { prepare, type Sql } from '../db/sql.js';

const counted = '#counted';

/**
 * The counter of a room's messages that count as unread for someone (a user's, not a reply),
 * kept beside the room's seq: each such message stores its number (`Message.countedUpTo`).
 */
export function countedKey(roomId: string): string {
  return `${rooms.chat(roomId)}${counted}`;
}

/**
 * The counter of those by one author, taken in the same statement: a member's own after their
 * marker are this counter less its value at the marker (`Membership.ownCountedAtMarker`).
 */
export function ownCountedKey(roomId: string, userId: string): string {
  return `${countedKey(roomId)}:${userId}`;
}

/**
 * The room's stream key (`rooms.chat`) in SQL, of a room that is an expression of the statement:
 * a prepared statement's values are parameters, not strings to join here.
 */
function roomStreamKeyOf(roomId: Expression<string>) {
  return raw<string>`${raw.lit(rooms.chat(''))} || ${roomId}`;
}

/** `ownCountedKey` in SQL, of a room and a user that are expressions of the statement. */
function ownCountedKeyOf(roomId: Expression<string>, userId: Expression<string>) {
  return raw<string>`${roomStreamKeyOf(roomId)} || ${raw.lit(`${counted}:`)} || ${userId}`;
}

/** The value of the author's counter (0 before their first message that counts). */
function ownCounter(roomId: Expression<string>, userId: Expression<string>) {
  const eb = expressionBuilder<DB, never>();
  return eb.fn.coalesce(
    eb
      .selectFrom('ChangeStream')
      .select('ChangeStream.seq')
      .where('ChangeStream.key', '=', ownCountedKeyOf(roomId, userId)),
    raw.lit(0),
  );
}

/** The author's messages that count in the room with a seq in (`after`, `upTo`] (`upTo` unset: to the last). */
function ownMessagesIn(
  marker: { roomId: string; userId: string },
  after: Expression<number>,
  upTo?: Expression<number>,
) {
  const eb = expressionBuilder<DB, never>();
  const since = eb
    .selectFrom('Message')
    .select((count) => count.fn.countAll<number>().as('own'))
    .where('Message.roomId', '=', marker.roomId)
    .where('Message.seq', '>', after)
    .where('Message.authorId', '=', marker.userId)
    .where('Message.kind', '=', raw.lit('user'))
    .where('Message.replyToId', 'is', null);
  return upTo ? since.where('Message.seq', '<=', upTo) : since;
}

/**
 * `Membership.ownCountedAtMarker` for a marker at `seq`: the member's counter less their messages
 * that count after `seq`, read by the room's seq index (none to read at the room's last seq, where
 * markers are mostly put). Both in one statement: the same committed moment on either database.
 */
export function ownCountedAt(marker: { roomId: string; userId: string; seq: number }): Expression<number> {
  const eb = expressionBuilder<DB, never>();
  const text = (value: string) => eb.cast<string>(eb.val(value), 'text');
  return eb(ownCounter(text(marker.roomId), text(marker.userId)), '-', ownMessagesIn(marker, eb.val(marker.seq)));
}

/**
 * `Membership.ownCountedAtMarker` for a marker moved forward to `seq`, from the row's marker and
 * value before the move: the member's messages read from the shorter side, those between the two
 * markers (a reader stepping through what they missed) or those after the new one (a reader
 * catching up to the last message), so that neither reads the room's history.
 */
export function ownCountedAfterMove(
  eb: ExpressionBuilder<DB, 'Membership'>,
  marker: { roomId: string; userId: string; seq: number },
): Expression<number> {
  const streamKey = roomStreamKeyOf(eb.cast<string>(eb.val(marker.roomId), 'text'));
  const head = eb.fn.coalesce(
    eb.selectFrom('ChangeStream').select('ChangeStream.seq').where('ChangeStream.key', '=', streamKey),
    raw.lit(0),
  );
  const seq = eb.val(marker.seq);
  return eb
    .case()
    .when(eb(seq, '-', eb.ref('Membership.readSeq')), '<=', eb(head, '-', seq))
    .then(eb(eb.ref('Membership.ownCountedAtMarker'), '+', ownMessagesIn(marker, eb.ref('Membership.readSeq'), seq)))
    .else(ownCountedAt(marker))
    .end();
}

/** Within a membership's row; the mentions' count looks from a mention too. */
type MemberRow = ExpressionBuilder<DB, 'Membership' | 'MessageMention'>;

/** A user's message after the member's marker, in their room, that counts. */
function afterMarker(eb: MemberRow) {
  return eb
    .selectFrom('Message')
    .whereRef('Message.roomId', '=', 'Membership.roomId')
    .whereRef('Message.seq', '>', 'Membership.readSeq')
    .where('Message.kind', '=', raw.lit('user'))
    .where('Message.replyToId', 'is', null);
}

/** `countedUpTo` of the room's last message that counts, at or before the marker (`upToMarker`) or at all. */
function countedAt(eb: ExpressionBuilder<DB, 'Membership'>, upToMarker: boolean) {
  const counted = eb
    .selectFrom('Message')
    .select('Message.countedUpTo')
    .whereRef('Message.roomId', '=', 'Membership.roomId')
    .where('Message.countedUpTo', 'is not', null)
    .orderBy('Message.seq', 'desc')
    .limit(1);
  return upToMarker ? counted.whereRef('Message.seq', '<=', 'Membership.readSeq') : counted;
}

/**
 * Per membership: the marker, how many messages that count came after it (two `countedUpTo`
 * looked up by the room's seq index), the member's own among them (their counter, less its value
 * at the marker), the deleted others' (by the index of deleted messages), and those mentioning the
 * member (by the mentions' index on the user). None of it reads the messages in between.
 */
function unreadOfMembers(db: Kysely<DB>, userId: string) {
  return db
    .selectFrom('Membership')
    .select((eb) => [
      'Membership.roomId',
      'Membership.readSeq',
      countedAt(eb, false).as('countedNow'),
      countedAt(eb, true).as('countedAtMarker'),
      ownCounter(eb.ref('Membership.roomId'), eb.ref('Membership.userId')).as('ownNow'),
      'Membership.ownCountedAtMarker',
      afterMarker(eb)
        .select((count) => count.fn.countAll<number>().as('deleted'))
        .where('Message.deletedAt', 'is not', null)
        .whereRef('Message.authorId', '!=', 'Membership.userId')
        .as('deleted'),
      // From the member's mentions: a join read the messages after the marker first on SQLite.
      eb
        .selectFrom('MessageMention')
        .select((count) => count.fn.countAll<number>().as('mentions'))
        .whereRef('MessageMention.userId', '=', 'Membership.userId')
        .where((mention) =>
          mention.exists(
            afterMarker(mention)
              .select('Message.id')
              .whereRef('Message.id', '=', 'MessageMention.messageId')
              .where('Message.deletedAt', 'is', null)
              .whereRef('Message.authorId', '!=', 'Membership.userId')
              // Kept a probe per mention: PostgreSQL makes a join of an EXISTS without an OFFSET
              // and without statistics began it from the messages after the marker.
              .limit(1)
              .offset(0),
          ),
        )
        .as('mentions'),
    ])
    .where('Membership.userId', '=', userId);
}

const unreadOfMember = prepare((db, member: { userId: string; roomId: string }) =>
  unreadOfMembers(db, member.userId).where('Membership.roomId', '=', member.roomId),
);

const unreadOfUser = prepare((db, user: { userId: string }) => unreadOfMembers(db, user.userId));

/** A member's marker as stored, and what is left unread after it. */
export interface UnreadCount {
  readSeq: number;
  unread: number;
  mentions: number;
}

type UnreadRow = {
  roomId: string;
  readSeq: number;
  countedNow: number | null;
  countedAtMarker: number | null;
  ownNow: number | string;
  ownCountedAtMarker: number;
  deleted: number | string | null;
  mentions: number | string | null;
};

function toCount(row: UnreadRow): UnreadCount {
  const after = Number(row.countedNow ?? 0) - Number(row.countedAtMarker ?? 0);
  return {
    readSeq: row.readSeq,
    unread: after - (Number(row.ownNow) - row.ownCountedAtMarker) - Number(row.deleted ?? 0),
    mentions: Number(row.mentions ?? 0),
  };
}

/**
 * The unread counts of a user's rooms: per room, the messages after the member's marker that
 * count as unread for them — by someone else, not deleted, not a system message, not a reply
 * (the rule of the contract's `countsAsUnread`) — and those of them that mention the user. The
 * cost of a room's count does not grow with its history (see `unreadOfMembers`).
 */
@Injectable()
export class UnreadCounts {
  constructor(private readonly database: DatabaseService) {}

  /** In the rooms the user is a member of, by room id. */
  async counts(userId: string, sql: Sql = this.database.reader): Promise<Map<string, UnreadCount>> {
    const rows = (await sql.all(unreadOfUser({ userId }))) as UnreadRow[];
    return new Map(rows.map((row) => [row.roomId, toCount(row)]));
  }

  /** In one room; undefined when the user is not a member. */
  async countIn(userId: string, roomId: string, sql: Sql = this.database.reader): Promise<UnreadCount | undefined> {
    const row = (await sql.first(unreadOfMember({ userId, roomId }))) as UnreadRow | undefined;
    return row && toCount(row);
  }
}
