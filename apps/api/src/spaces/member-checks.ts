import type { GatheredRead } from '../db/database.service.js';
import { prepareList, type Sql } from '../db/sql.js';
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
 * `count` spaces with those of `count` users who are members, in one statement: its values the
 * users' ids, then the spaces' ids (one array, see `prepareList`). A space no user belongs to
 * still gives a row.
 */
const findForMembersQuery = prepareList(
  (shape: { kind: SpaceKind; count: number }) => `${shape.kind.table}:${shape.count}`,
  (db, values, { kind, count }) => {
    const indexes = Array.from({ length: count }, (_, index) => index);
    return spaceTables(db, kind)
      .selectFrom('Space')
      .leftJoin('SpaceMember', (join) =>
        join.onRef('SpaceMember.spaceId', '=', 'Space.id').on(
          'SpaceMember.userId',
          'in',
          indexes.map((index) => values[index] as string),
        ),
      )
      .select([...spaceColumns, 'SpaceMember.userId as memberId'])
      .$if(kind.readMarkers, (select) => select.select('SpaceMember.readSeq'))
      .$if(kind.softDeleted, (select) => select.select('Space.deletedAt'))
      .where(
        'Space.id',
        'in',
        indexes.map((index) => values[count + index] as string),
      );
  },
);

type MemberRow = SpaceRecord & { memberId: string | null; readSeq?: number | null };

/** The space's record from one of its rows: its columns named one by one (no rest copy through the runtime). */
function recordOf(row: MemberRow, kind: SpaceKind): SpaceRecord {
  const { id, name, visibility, inviteCode, ownerId, createdAt } = row;
  return kind.softDeleted
    ? { id, name, visibility, inviteCode, ownerId, createdAt, deletedAt: row.deletedAt }
    : { id, name, visibility, inviteCode, ownerId, createdAt };
}

function memberChecks(kind: SpaceKind): GatheredRead<MemberKey, MemberCheck> {
  return {
    async run(keys: MemberKey[], sql: Sql) {
      const count = keys.length;
      const values = new Array<string>(2 * count);
      for (let index = 0; index < count; index++) {
        values[index] = keys[index]!.userId;
        values[count + index] = keys[index]!.spaceId;
      }
      const rows = (await sql.all(findForMembersQuery({ kind, count }, values))) as MemberRow[];
      return keys.map((key) => {
        let space: MemberRow | undefined;
        let mine: MemberRow | undefined;
        for (const row of rows) {
          if (row.id !== key.spaceId) continue;
          space ??= row;
          if (row.memberId === key.userId) {
            mine = row;
            break;
          }
        }
        if (!space) return null;
        return { record: recordOf(space, kind), member: mine !== undefined, readSeq: mine?.readSeq ?? null };
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
