import { Injectable } from '@nestjs/common';
import { timeOrderedId, type Change, type Visibility } from '@tandem/contract';
import type { Compilable, Kysely } from 'kysely';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { timestamp } from '../db/dialect.js';
import { prepare, type Prepared, type Sql } from '../db/sql.js';
import { findForMembers, spaceColumns, type MemberCheck } from './member-checks.js';
import type { JoiningMember, SpaceKind } from './space-kinds.js';
import { spaceTables, type SpaceTables } from './space-tables.js';

/** What the rules see of a room, board or list: the columns every kind of space has. */
export interface SpaceRecord {
  id: string;
  /** The room's or board's name, the list's title. */
  name: string;
  visibility: Visibility;
  inviteCode: string | null;
  ownerId: string;
  createdAt: string;
  /** Lists only: set once deleted. */
  deletedAt?: string | null;
}

/** A space in the user's directory: whether they are a member, their read marker (rooms), its last seq. */
export interface VisibleSpace extends SpaceRecord {
  member: boolean;
  readSeq: number | null;
  seq: number;
}

/** One query, written once against `SpaceTables`, prepared once per kind of space (on its first use). */
function perKind<P extends Record<string, unknown>, R>(
  build: (db: Kysely<SpaceTables>, parameters: P, kind: SpaceKind) => Compilable<R>,
): (kind: SpaceKind) => (values: P) => Prepared<R> {
  const byKind = new Map<SpaceKind, (values: P) => Prepared<R>>();
  return (kind) => {
    let prepared = byKind.get(kind);
    if (!prepared) {
      prepared = prepare((db, parameters: P) => build(spaceTables(db, kind), parameters, kind));
      byKind.set(kind, prepared);
    }
    return prepared;
  };
}

const findSpace = perKind((db, space: { id: string }, kind) =>
  db
    .selectFrom('Space')
    .select(spaceColumns)
    .$if(kind.softDeleted, (query) => query.select('Space.deletedAt'))
    .where('Space.id', '=', space.id),
);

/** The space and its stream's seq, in one statement: one committed moment without a transaction. */
const findWithSeq = perKind((db, space: { id: string; streamKey: string }, kind) =>
  db
    .selectFrom('Space')
    .leftJoin('ChangeStream', (join) => join.on('ChangeStream.key', '=', space.streamKey))
    .select([...spaceColumns, 'ChangeStream.seq'])
    .$if(kind.softDeleted, (query) => query.select('Space.deletedAt'))
    .where('Space.id', '=', space.id),
);

const isMember = perKind((db, member: { spaceId: string; userId: string }) =>
  db
    .selectFrom('SpaceMember')
    .select('userId')
    .where('spaceId', '=', member.spaceId)
    .where('userId', '=', member.userId),
);

const rename = perKind((db, space: { id: string; name: string; updatedAt: string }, kind) =>
  db
    .updateTable('Space')
    .set({ spaceName: space.name, ...(kind.softDeleted ? { updatedAt: space.updatedAt } : {}) })
    .where('id', '=', space.id),
);

/** A member already there stays as they are (their read marker too, and what the kind keeps with it). */
const addMember = perKind((db, member: JoiningMember & { joinedAt: string }, kind) =>
  db
    .insertInto('SpaceMember')
    .values({
      spaceId: member.spaceId,
      userId: member.userId,
      joinedAt: member.joinedAt,
      ...kind.memberColumns?.(member),
    })
    .onConflict((conflict) => conflict.columns(['spaceId', 'userId']).doNothing()),
);

/** The rooms, boards and lists of the user's directory (see `SpacesRepository.visibleTo`). */
function visibleTo(db: Kysely<SpaceTables>, kind: SpaceKind, userId: string) {
  return db
    .selectFrom('Space')
    .leftJoin('SpaceMember', (join) =>
      join.onRef('SpaceMember.spaceId', '=', 'Space.id').on('SpaceMember.userId', '=', userId),
    )
    .select([...spaceColumns, 'SpaceMember.userId as memberId'])
    .$if(kind.readMarkers, (query) => query.select('SpaceMember.readSeq'))
    .$if(kind.softDeleted, (query) => query.where('Space.deletedAt', 'is', null))
    .where((eb) => eb.or([eb('Space.visibility', '=', 'public'), eb('SpaceMember.userId', 'is not', null)]))
    .orderBy('Space.createdAt')
    .orderBy('Space.id');
}

/**
 * Rooms, boards and lists as spaces: the space rows, who is a member, and their change streams.
 * Every query here is written once for the three kinds (see `space-tables.ts`).
 */
@Injectable()
export class SpacesRepository {
  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  /** The space, deleted or not. Reads take the caller's transaction when they decide a write. */
  async find(kind: SpaceKind, spaceId: string, sql: Sql = this.database.reader): Promise<SpaceRecord | null> {
    return ((await sql.first(findSpace(kind)({ id: spaceId }))) as SpaceRecord | undefined) ?? null;
  }

  /**
   * The space, deleted or not, and whether the user is a member of it, in one statement (null if
   * there is no such space): the check of every member-only write, and of a join.
   */
  findForMember(
    kind: SpaceKind,
    spaceId: string,
    userId: string,
    sql: Sql = this.database.reader,
  ): Promise<MemberCheck> {
    return findForMembers(kind)
      .run([{ spaceId, userId }], sql)
      .then(([found]) => found ?? null);
  }

  /** `findForMember` for a work of a transaction: the works that start together ask in one statement. */
  findForMemberAmong(kind: SpaceKind, spaceId: string, userId: string, context: UnitOfWork): Promise<MemberCheck> {
    return context.gather(findForMembers(kind), { spaceId, userId });
  }

  /** The space and its seq as of one moment, or null. */
  async findWithSeq(kind: SpaceKind, spaceId: string): Promise<{ record: SpaceRecord; seq: number } | null> {
    const row = await this.database.reader.first(findWithSeq(kind)({ id: spaceId, streamKey: kind.stream(spaceId) }));
    if (!row) return null;
    const { seq, ...record } = row;
    return { record: record as SpaceRecord, seq: seq ?? 0 };
  }

  /** Public spaces and the private ones the user is a member of (not deleted), oldest first, with their seq. */
  async visibleTo(kind: SpaceKind, userId: string): Promise<VisibleSpace[]> {
    const sql = this.database.reader;
    const rows = (await sql.all(visibleTo(spaceTables(sql.db, kind), kind, userId))) as (SpaceRecord & {
      memberId: string | null;
      readSeq?: number | null;
    })[];
    const seqs = await this.changeLog.currentSeqs(rows.map((row) => kind.stream(row.id)));
    return rows.map(({ memberId, readSeq, ...record }) => ({
      ...record,
      member: memberId !== null,
      readSeq: readSeq ?? null,
      seq: seqs.get(kind.stream(record.id)) ?? 0,
    }));
  }

  /** Stores a new space with its owner as its first member. */
  async create(
    kind: SpaceKind,
    { sql }: UnitOfWork,
    space: { name: string; visibility: Visibility; inviteCode: string | null; ownerId: string },
  ): Promise<SpaceRecord> {
    const createdAt = timestamp();
    const record: SpaceRecord = { id: timeOrderedId(), ...space, createdAt };
    const { name, ...columns } = record;
    const db = spaceTables(sql.db, kind);
    await sql.run(
      db
        .insertInto('Space')
        .values({ ...columns, spaceName: name, ...(kind.softDeleted ? { updatedAt: createdAt } : {}) }),
    );
    await sql.run(addMember(kind)({ spaceId: record.id, userId: space.ownerId, joinedAt: createdAt, readSeq: 0 }));
    return kind.softDeleted ? { ...record, deletedAt: null } : record;
  }

  async rename(kind: SpaceKind, { sql }: UnitOfWork, record: SpaceRecord, name: string): Promise<SpaceRecord> {
    await sql.run(rename(kind)({ id: record.id, name, updatedAt: timestamp() }));
    return { ...record, name };
  }

  async setInviteCode(
    kind: SpaceKind,
    { sql }: UnitOfWork,
    record: SpaceRecord,
    inviteCode: string,
  ): Promise<SpaceRecord> {
    await sql.run(spaceTables(sql.db, kind).updateTable('Space').set({ inviteCode }).where('id', '=', record.id));
    return { ...record, inviteCode };
  }

  /** Soft-deleting kinds only: the row stays, marked deleted. */
  async markDeleted(kind: SpaceKind, { sql }: UnitOfWork, spaceId: string): Promise<void> {
    const now = timestamp();
    await sql.run(
      spaceTables(sql.db, kind).updateTable('Space').set({ deletedAt: now, updatedAt: now }).where('id', '=', spaceId),
    );
  }

  async isMember(kind: SpaceKind, spaceId: string, userId: string, sql: Sql = this.database.reader): Promise<boolean> {
    return (await sql.first(isMember(kind)({ spaceId, userId }))) !== undefined;
  }

  /** Makes the user a member (rooms: with their read marker at `readSeq`); when they joined. A member stays as they are. */
  async addMember(kind: SpaceKind, { sql }: UnitOfWork, spaceId: string, userId: string, readSeq = 0): Promise<string> {
    const joinedAt = timestamp();
    await sql.run(addMember(kind)({ spaceId, userId, joinedAt, readSeq }));
    return joinedAt;
  }

  /** Whether the user was a member. */
  async removeMember(kind: SpaceKind, { sql }: UnitOfWork, spaceId: string, userId: string): Promise<boolean> {
    const db = spaceTables(sql.db, kind);
    return (
      (await sql.run(db.deleteFrom('SpaceMember').where('spaceId', '=', spaceId).where('userId', '=', userId))) > 0
    );
  }

  /** The ids of the members, to tell them of a private space's changes. */
  async memberIds(kind: SpaceKind, spaceId: string): Promise<string[]> {
    const sql = this.database.reader;
    const db = spaceTables(sql.db, kind);
    const rows = await sql.all(db.selectFrom('SpaceMember').select('userId').where('spaceId', '=', spaceId));
    return rows.map((row) => row.userId);
  }

  // ---- change stream ------------------------------------------------------------------------

  currentSeq(kind: SpaceKind, spaceId: string, sql?: Sql): Promise<number> {
    return this.changeLog.currentSeq(kind.stream(spaceId), sql);
  }

  changesSince(kind: SpaceKind, spaceId: string, sinceSeq: number, limit: number, sql?: Sql): Promise<Change[]> {
    const apart = kind.recordedApart && { spaceId, records: kind.recordedApart };
    return this.changeLog.since(kind.stream(spaceId), sinceSeq, limit, sql, apart);
  }

  /**
   * Reads that must see one committed moment (a snapshot and its seq), each given `sql`: one read
   * transaction, so other nodes' commits meanwhile cannot slip in between two of its statements.
   */
  consistently<T>(read: (sql: Sql) => Promise<T>): Promise<T> {
    return this.database.snapshot(read);
  }
}
