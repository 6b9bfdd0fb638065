import { Namespace, rooms } from '@tandem/contract';
import { createdMessages } from './chat/messages.queries.js';
import { ownCountedAt } from './chat/unread-counts.js';
import type { SpaceKind } from './spaces/space-kinds.js';

/**
 * The three kinds of space (`SpaceKind`), each with what its feature adds: a room's new messages
 * kept in their own rows, a room member's read marker.
 */
export const SpaceKinds = {
  room: {
    noun: 'room',
    namespace: Namespace.Chat,
    stream: rooms.chat,
    table: 'Room',
    memberTable: 'Membership',
    spaceIdColumn: 'roomId',
    nameColumn: 'name',
    softDeleted: false,
    readMarkers: true,
    joinsByPin: false,
    recordedApart: createdMessages,
    // The marker, and the member's own messages counted up to it (see `Membership.ownCountedAtMarker`).
    memberColumns: (member) => ({
      readSeq: member.readSeq,
      ownCountedAtMarker: ownCountedAt({ roomId: member.spaceId, userId: member.userId, seq: member.readSeq }),
    }),
  },
  board: {
    noun: 'board',
    namespace: Namespace.Scoreboard,
    stream: rooms.board,
    table: 'Board',
    memberTable: 'BoardMember',
    spaceIdColumn: 'boardId',
    nameColumn: 'name',
    softDeleted: false,
    readMarkers: false,
    joinsByPin: true,
  },
  list: {
    noun: 'list',
    namespace: Namespace.Lists,
    stream: rooms.list,
    table: 'List',
    memberTable: 'ListMember',
    spaceIdColumn: 'listId',
    nameColumn: 'title',
    softDeleted: true,
    readMarkers: false,
    joinsByPin: false,
  },
} as const satisfies Record<string, SpaceKind>;
