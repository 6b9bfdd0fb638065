import { Injectable } from '@nestjs/common';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import { timestamp } from '../db/dialect.js';
import { prepare, type Sql } from '../db/sql.js';
import type { SpaceKind } from './space-kinds.js';

const pinOf = prepare((db, space: { spaceKind: string; spaceId: string }) =>
  db.selectFrom('SpacePin').select('pin').where('spaceKind', '=', space.spaceKind).where('spaceId', '=', space.spaceId),
);

const spaceOf = prepare((db, wanted: { pin: string }) =>
  db.selectFrom('SpacePin').select(['spaceKind', 'spaceId']).where('pin', '=', wanted.pin),
);

const forget = prepare((db, space: { spaceKind: string; spaceId: string }) =>
  db.deleteFrom('SpacePin').where('spaceKind', '=', space.spaceKind).where('spaceId', '=', space.spaceId),
);

const store = prepare((db, row: { pin: string; spaceKind: string; spaceId: string; createdAt: string }) =>
  db
    .insertInto('SpacePin')
    .values({ pin: row.pin, spaceKind: row.spaceKind, spaceId: row.spaceId, createdAt: row.createdAt }),
);

/** The join PINs of spaces (see `SpacePin` in the schema): one per space, each unique. */
@Injectable()
export class SpacePinsRepository {
  constructor(private readonly database: DatabaseService) {}

  async pinOf(kind: SpaceKind, spaceId: string, sql: Sql = this.database.reader): Promise<string | null> {
    return (await sql.first(pinOf({ spaceKind: kind.noun, spaceId })))?.pin ?? null;
  }

  /** The id of the space of `kind` the PIN opens, or null. */
  async spaceOf(kind: SpaceKind, pin: string): Promise<string | null> {
    const row = await this.database.reader.first(spaceOf({ pin }));
    return row?.spaceKind === kind.noun ? row.spaceId : null;
  }

  async isTaken(pin: string, sql: Sql): Promise<boolean> {
    return (await sql.first(spaceOf({ pin }))) !== undefined;
  }

  /** Gives the space `pin`; its previous PIN, if any, stops opening it. */
  async replace(kind: SpaceKind, { sql }: UnitOfWork, spaceId: string, pin: string): Promise<void> {
    await sql.run(forget({ spaceKind: kind.noun, spaceId }));
    await sql.run(store({ pin, spaceKind: kind.noun, spaceId, createdAt: timestamp() }));
  }
}
