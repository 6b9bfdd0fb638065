import { Namespace, rooms } from '@tandem/contract';
import { createdMessages } from '../chat/messages.queries.js';
import type { RecordedApart } from '../db/change-log.repository.js';

/** The three kinds of space: what each is called, where it lives on the wire and in the database. */
export interface SpaceKind {
  /** The word in messages: "join this private room with its invite code first". */
  noun: 'room' | 'board' | 'list';
  namespace: Namespace;
  /** The key of a space's change stream, which is also the Socket.IO room of its subscribers. */
  stream: (spaceId: string) => string;
  /** Its table, its members' table, and the columns that differ between them (see `space-tables.ts`). */
  table: 'Room' | 'Board' | 'List';
  memberTable: 'Membership' | 'BoardMember' | 'ListMember';
  spaceIdColumn: 'roomId' | 'boardId' | 'listId';
  nameColumn: 'name' | 'title';
  /** Whether a deleted space keeps its row (with `deletedAt` set), and notes its `updatedAt`. */
  softDeleted: boolean;
  /** Whether its members have a read marker (`readSeq`). */
  readMarkers: boolean;
  /** Whether each one has a join PIN (see `SpacesService.joinByPin`). */
  joinsByPin: boolean;
  /** The changes of its stream kept in its feature's rows instead of `Change` rows (a room's new messages). */
  recordedApart?: RecordedApart;
}

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
