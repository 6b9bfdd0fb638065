import type { Namespace } from '@tandem/contract';
import type { Insertable } from 'kysely';
import type { RecordedApart } from '../db/change-log.repository.js';
import type { SpaceTables } from './space-tables.js';

/** A member a join inserts; `readSeq`, their read marker, where the kind has one. */
export type JoiningMember = { spaceId: string; userId: string; readSeq: number };

/** The membership columns of some kinds only (see `SpaceTables.SpaceMember`). */
export type KindMemberColumns = Omit<Insertable<SpaceTables['SpaceMember']>, 'spaceId' | 'userId' | 'joinedAt'>;

/**
 * A kind of space: what it is called, where it lives on the wire and in the database, and what
 * its feature adds to the rows written here. The three kinds are defined with their features'
 * parts in `apps/api/src/space-kinds.ts`: this module depends on no feature.
 */
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
  /** What a join inserts in its membership row besides the space, the user and the time (a room's read marker). */
  memberColumns?: (member: JoiningMember) => KindMemberColumns;
}
