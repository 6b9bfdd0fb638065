import type { GatheredRead } from '../db/database.service.js';
import { prepareShapes, type Sql } from '../db/sql.js';
import type { SpaceKind } from './space-kinds.js';
import { spaceTables } from './space-tables.js';
import type { SpaceRecord } from './spaces.repository.js';

/** What `SpaceRecord` holds (and `deletedAt`, for the kinds that keep deleted spaces). */
export const spaceColumns = [
  'Space.id',
  'Space.spaceName as name',
  'Space.visibility',
  'Space.inviteCode',
  'Space.ownerId',
  'Space.createdAt',
] as const;

/**
 * A space and whether the user asking about it is a member, with their read marker in a kind that
 * keeps them (else null); null: no such space.
 */
export type MemberCheck = { record: SpaceRecord; member: boolean; readSeq: number | null } | null;

type MemberKey = { spaceId: string; userId: string };

/**
 * `count` spaces with those of `count` users who are members, in one statement: parameters
 * `spaceId0`, `userId0`, … `userId{count - 1}`. A space no user belongs to still gives a row.
 */
const findForMembersQuery = prepareShapes(
  (shape: { kind: SpaceKind; count: number }) => `${shape.kind.table}:${shape.count}`,
  (db, keys: Record<string, string>, { kind, count }) => {
    const indexes = Array.from({ length: count }, (_, index) => index);
    return spaceTables(db, kind)
      .selectFrom('Space')
      .leftJoin('SpaceMember', (join) =>
        join.onRef('SpaceMember.spaceId', '=', 'Space.id').on(
          'SpaceMember.userId',
          'in',
          indexes.map((index) => keys[`userId${index}`]!),
        ),
      )
      .select([...spaceColumns, 'SpaceMember.userId as memberId'])
      .$if(kind.readMarkers, (select) => select.select('SpaceMember.readSeq'))
      .$if(kind.softDeleted, (select) => select.select('Space.deletedAt'))
      .where(
        'Space.id',
        'in',
        indexes.map((index) => keys[`spaceId${index}`]!),
      );
  },
);

function memberChecks(kind: SpaceKind): GatheredRead<MemberKey, MemberCheck> {
  return {
    async run(keys: MemberKey[], sql: Sql) {
      const values: Record<string, string> = {};
      keys.forEach((key, index) => {
        values[`spaceId${index}`] = key.spaceId;
        values[`userId${index}`] = key.userId;
      });
      const rows = await sql.all(findForMembersQuery({ kind, count: keys.length }, values));
      return keys.map((key) => {
        const found = rows.filter((row) => row.id === key.spaceId);
        if (found.length === 0) return null;
        const { memberId: _memberId, readSeq: _readSeq, ...record } = found[0]!;
        const mine = found.find((row) => row.memberId === key.userId);
        return { record: record as SpaceRecord, member: mine !== undefined, readSeq: mine?.readSeq ?? null };
      });
    },
  };
}

/**
 * Per kind, the check of every member-only write, gathered: the works of a transaction that
 * start together check their spaces in one statement (see `UnitOfWork.gather`).
 */
const checksByKind = new Map<SpaceKind, GatheredRead<MemberKey, MemberCheck>>();
export function findForMembers(kind: SpaceKind): GatheredRead<MemberKey, MemberCheck> {
  let checks = checksByKind.get(kind);
  if (!checks) checksByKind.set(kind, (checks = memberChecks(kind)));
  return checks;
}
