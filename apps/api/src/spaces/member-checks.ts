import { sql as raw } from 'kysely';
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
 * `count` (space, user) pairs in one statement, its values the pairs' ids in turn (space, then
 * user; one array, see `prepareList`): a row per pair whose space exists, with the user's id if
 * they are a member. Each pair costs one lookup of the space and one of the membership by its key,
 * where matching every space asked with every user asked cost a membership lookup per space and
 * user (see "a batch's member checks by pairs" in docs/benchmarks.md).
 */
const findForMembersQuery = prepareList(
  (shape: { kind: SpaceKind; count: number }) => `${shape.kind.table}:${shape.count}`,
  (db, values, { kind, count }) => {
    const pairs = Array.from({ length: count }, (_, index) => raw`(${values[2 * index]}, ${values[2 * index + 1]})`);
    // A VALUES list's columns are `column1`, `column2` on SQLite and PostgreSQL alike.
    const asked = raw<{ column1: string; column2: string }>`(values ${raw.join(pairs)})`.as('Asked');
    return spaceTables(db, kind)
      .selectFrom(asked)
      .innerJoin('Space', 'Space.id', 'Asked.column1')
      .leftJoin('SpaceMember', (join) =>
        join.onRef('SpaceMember.spaceId', '=', 'Asked.column1').onRef('SpaceMember.userId', '=', 'Asked.column2'),
      )
      .select([...spaceColumns, 'SpaceMember.userId as memberId'])
      .$if(kind.readMarkers, (select) => select.select('SpaceMember.readSeq'))
      .$if(kind.softDeleted, (select) => select.select('Space.deletedAt'));
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
      // Each pair asked once: a batch often holds several commands of one user in one space.
      const usersBySpace = new Map<string, string[]>();
      const values: string[] = [];
      for (const { spaceId, userId } of keys) {
        const users = usersBySpace.get(spaceId);
        if (users?.includes(userId)) continue;
        if (users) users.push(userId);
        else usersBySpace.set(spaceId, [userId]);
        values.push(spaceId, userId);
      }
      const count = values.length / 2;
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
