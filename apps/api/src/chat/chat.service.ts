import { Injectable } from '@nestjs/common';
import {
  ChatCommand,
  DirectoryChange,
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
import { UnitsOfWork } from '../db/units-of-work.js';
import { ChatRepository } from './chat.repository.js';
import { MessagesRepository } from './messages.repository.js';
import { FurthestMarkers } from './furthest-markers.js';
import { advanceReadMarker } from './read-marker.js';
import { RecentHistory, type History } from './recent-history.js';
import { SpaceKinds } from '../space-kinds.js';
import { SpacesRepository, type SpaceRecord } from '../spaces/spaces.repository.js';
import { SpacesService, toSummary } from '../spaces/spaces.service.js';

/** What a join hands back besides presence, which the gateway adds. */
export type JoinOutcome = { room: Room; seq: number; readMarkers: ReadMarker[]; readSeq: number } & (
  { messages: Message[]; snapshot?: true } | { changes: ChatChange[] }
);

/** `room:read`'s answer, and whether the marker moved (then the gateway tells the room). */
export type ReadOutcome = RoomReadResult & { moved: boolean };

/** A join's room and history; a rejoin whose `sinceSeq` is out of reach is told it got a snapshot. */
function answer(room: Room, seq: number, sinceSeq: number | undefined, history: History) {
  if ('changes' in history) return { room, seq, changes: history.changes };
  const { messages } = history;
  return sinceSeq === undefined ? { room, seq, messages } : { room, seq, messages, snapshot: true as const };
}

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
 * The chat's rules on top of the rooms' as spaces (`SpacesService`): who may write to a room, what
 * a join and a resync return, how joins, leaves and renames are announced, and where read markers
 * stand.
 */
@Injectable()
export class ChatService {
  constructor(
    private readonly chat: ChatRepository,
    private readonly messages: MessagesRepository,
    private readonly history: RecentHistory,
    private readonly markers: FurthestMarkers,
    private readonly writes: UnitsOfWork,
    private readonly spaces: SpacesService,
    private readonly spaceRecords: SpacesRepository,
  ) {}

  // ---- rooms ----------------------------------------------------------------------------------

  async createRoom(user: User, input: ChatInput<'room:create'>): Promise<ChatCommandResults['room:create']> {
    return { room: toSummary(await this.spaces.create(SpaceKinds.room, user, input), 0, true) };
  }

  async listRooms(user: User): Promise<ChatCommandResults['room:list']> {
    return { rooms: await this.chat.roomList(user.id, await this.spaceRecords.visibleTo(SpaceKinds.room, user.id)) };
  }

  /**
   * Makes the user a member (a private room needs its invite code; a first join is announced by
   * a system message when `announce()` says so at that moment: big rooms are not told of every
   * newcomer), then calls `subscribe` so the socket hears broadcasts, and only then reads
   * the snapshot or the missed changes: nothing committed in between can fall through (a client
   * drops broadcasts whose seq it already has).
   */
  async joinRoom(
    user: User,
    input: ChatInput<'room:join'>,
    subscribe: () => void,
    announce: () => boolean,
  ): Promise<JoinOutcome> {
    // The room and the user's membership in one read.
    const found = await this.spaceRecords.findForMember(SpaceKinds.room, input.roomId, user.id);
    if (!found) throw DomainError.notFound(SpaceKinds.room.noun);
    const { record } = found;
    const readSeq = found.member
      ? (found.readSeq ?? 0)
      : await this.becomeMember(user, record.id, input.inviteCode, announce);
    subscribe();
    // Markers are not part of the room's seq order (a later move arrives as `read:updated`), so
    // they are read alongside rather than inside the consistent read, which holds up writes.
    const [outcome, readMarkers] = await Promise.all([
      this.snapshotOrChanges(record, input.sinceSeq),
      this.markers.of(record.id),
    ]);
    return { ...outcome, readMarkers, readSeq };
  }

  /**
   * The room as of one moment: its seq, and the changes since `sinceSeq` or a snapshot. Most joins
   * of a storm need one statement: the history at the room's seq is kept (see `RecentHistory`);
   * the others read in one transaction.
   */
  private async snapshotOrChanges(record: SpaceRecord, sinceSeq: number | undefined) {
    const now = await this.spaceRecords.findWithSeq(SpaceKinds.room, record.id);
    const kept = now && this.history.kept(record.id, now.seq, sinceSeq);
    if (kept) return answer(toSummary(now.record, now.seq, true), now.seq, sinceSeq, await kept);
    return this.spaceRecords.consistently(async (sql) => {
      const seq = await this.spaceRecords.currentSeq(SpaceKinds.room, record.id, sql);
      const current = (await this.spaceRecords.find(SpaceKinds.room, record.id, sql)) ?? record;
      return answer(
        toSummary(current, seq, true),
        seq,
        sinceSeq,
        await this.history.read(record.id, seq, sinceSeq, sql),
      );
    });
  }

  /**
   * The invite code is checked in the transaction that adds the member, against the code as
   * committed (a rotation just before is honoured). The new member has read up to their own
   * "joined" message (or the room's last seq): a room's past is not "new" to someone who just arrived.
   */
  private async becomeMember(
    user: User,
    roomId: string,
    inviteCode: string | undefined,
    announce: () => boolean,
  ): Promise<number> {
    const joined = await this.writes.write(async (context) => {
      const record = await this.spaces.require(SpaceKinds.room, roomId, context.sql);
      const membership = await this.chat.findMembership(roomId, user.id, context.sql);
      if (membership) return { readSeq: membership.readSeq };
      this.spaces.requireInvite(SpaceKinds.room, record, inviteCode);
      const readSeq = announce()
        ? (await this.appendSystemMessage(context, roomId, SystemAction.Joined, user)).seq
        : await this.spaceRecords.currentSeq(SpaceKinds.room, roomId, context.sql);
      return {
        readSeq,
        joinedAt: await this.spaceRecords.addMember(SpaceKinds.room, context, roomId, user.id, readSeq),
      };
    });
    if (joined.joinedAt !== undefined) this.markers.placed(roomId, user.id, joined.readSeq, joined.joinedAt);
    return joined.readSeq;
  }

  /** The user stops being a member; a member's leaving is announced by a system message when `announce`. */
  async leaveRoom(
    user: User,
    input: ChatInput<'room:leave'>,
    announce: boolean,
  ): Promise<ChatCommandResults['room:leave']> {
    const record = await this.spaces.require(SpaceKinds.room, input.roomId);
    await this.writes.write(async (context) => {
      if ((await this.spaceRecords.removeMember(SpaceKinds.room, context, record.id, user.id)) && announce) {
        await this.appendSystemMessage(context, record.id, SystemAction.Left, user);
      }
    });
    this.markers.left(record.id, user.id);
    return { roomId: record.id };
  }

  /** Owner only. The change is logged as `room:updated`, then announced by a system message and in the directory. */
  async renameRoom(user: User, input: ChatInput<'room:rename'>): Promise<ChatCommandResults['room:rename']> {
    // The room as this rename left it, announced with the seq of its system message (a retry,
    // which renames nothing, announces the room as it is now).
    let written: { record: SpaceRecord; seq: number } | undefined;
    const renamed = await this.writes.once(
      user.id,
      input.opId,
      ChatCommand.RoomRename,
      async (context) => {
        written = undefined;
        const found = await this.spaces.requireWithMembership(SpaceKinds.room, input.roomId, user, context);
        const record = this.spaces.requireOwner(SpaceKinds.room, found.record, user, 'rename it');
        if (record.name === input.name) {
          const seq = await this.spaceRecords.currentSeq(SpaceKinds.room, record.id, context.sql);
          return { room: toSummary(record, seq, found.member) };
        }
        const renamed = await this.spaceRecords.rename(SpaceKinds.room, context, record, input.name);
        await this.chat.appendRoomUpdated(context, renamed);
        const announced = await this.appendSystemMessage(context, record.id, SystemAction.Renamed, user, input.name);
        written = { record: renamed, seq: announced.seq };
        return { room: toSummary(renamed, announced.seq, found.member) };
      },
      {
        replay: async (stored) => {
          written = undefined;
          return stored;
        },
        // Its checks read what no other command of a transaction changes (the room and its owner);
        // it writes the room's row, then appends. Two renames of one room in one transaction run
        // their statements in step: the room keeps the name whose room:updated has the later seq.
        overlaps: true,
      },
    );
    if (written) await this.spaces.announce(SpaceKinds.room, DirectoryChange.Renamed, written.record, written.seq);
    else await this.spaces.announceChange(SpaceKinds.room, DirectoryChange.Renamed, input.roomId);
    return renamed;
  }

  /** Owner of a private room only: a new code, and the old one stops opening the room. */
  rotateInviteCode(
    user: User,
    input: ChatInput<'room:invite:rotate'>,
  ): Promise<ChatCommandResults['room:invite:rotate']> {
    return this.writes.once(user.id, input.opId, ChatCommand.RoomInviteRotate, async (context) => {
      const rotated = await this.spaces.rotateInviteCode(SpaceKinds.room, context, user, input.roomId);
      return {
        room: toSummary(rotated, await this.spaceRecords.currentSeq(SpaceKinds.room, rotated.id, context.sql), true),
      };
    });
  }

  /**
   * Moves the user's read marker forward (see `advanceReadMarker`), and answers where it stands
   * and what is left unread. Members only. A marker already there writes nothing.
   */
  async markRead(user: User, input: ChatInput<'room:read'>): Promise<ReadOutcome> {
    const record = await this.spaces.require(SpaceKinds.room, input.roomId);
    const membership = await this.chat.findMembership(record.id, user.id);
    if (!membership) throw DomainError.forbidden('join the room before marking it read');
    const seq = advanceReadMarker(
      membership.readSeq,
      input.seq,
      await this.spaceRecords.currentSeq(SpaceKinds.room, record.id),
    );
    const moved =
      seq > membership.readSeq &&
      (await this.writes.write((context) => this.chat.advanceReadSeq(context, record.id, user.id, seq)));
    if (moved) this.markers.placed(record.id, user.id, seq);
    // The marker as stored now (a racing read may have moved it further), and what is left after it.
    const counts = await this.chat.unreadIn(user.id, record.id);
    const readSeq = counts?.readSeq ?? seq;
    return { roomId: record.id, readSeq, unread: counts?.unread ?? 0, mentions: counts?.mentions ?? 0, moved };
  }

  /**
   * Who is online is shown to sockets that joined the room; this answers any other why not: a room
   * that does not exist, or is private and not theirs, is `NOT_FOUND`; else `FORBIDDEN`.
   */
  async refuseMembers(user: User, roomId: string): Promise<never> {
    const record = await this.spaceRecords.find(SpaceKinds.room, roomId);
    if (
      !record ||
      (record.visibility === 'private' && !(await this.spaceRecords.isMember(SpaceKinds.room, record.id, user.id)))
    ) {
      throw DomainError.notFound('room');
    }
    throw DomainError.forbidden('join the room to see who is in it');
  }

  /** Records when the user was last connected (one of their sockets just closed). */
  async noteSeen(user: User, at = new Date()): Promise<void> {
    await this.writes.write((context) => this.chat.markSeen(context, user.id, at));
    this.markers.seen(user.id);
  }

  // ---- helpers --------------------------------------------------------------------------------

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
}
