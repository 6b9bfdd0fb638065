import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { timeOrderedId, type User } from '@tandem/contract';
import { DatabaseService } from '../db/database.service.js';
import { fromTimestamp, timestamp } from '../db/dialect.js';
import { prepare, type Sql } from '../db/sql.js';
import { nameKey } from './name-key.js';

/** Whether a token's user still exists, and what the database says of its sign-in. */
export interface TokenStanding {
  /** Tokens issued before this moment (ms since the epoch) are refused; 0 when none are. */
  tokensValidFrom: number;
  sessionRevoked: boolean;
}

const tokenStanding = prepare((db, token: { userId: string; sessionId: string }) =>
  db
    .selectFrom('User')
    .leftJoin('RevokedSession', (join) => join.on('RevokedSession.id', '=', token.sessionId))
    .select(['User.tokensValidFrom', 'RevokedSession.id as revokedSessionId'])
    .where('User.id', '=', token.userId),
);

@Injectable()
export class UsersRepository implements OnApplicationBootstrap {
  constructor(private readonly database: DatabaseService) {}

  /** Users stored before names had a key (see `nameKey`) get theirs, once per database. */
  async onApplicationBootstrap(): Promise<void> {
    const { reader } = this.database;
    const missing = await reader.all(reader.db.selectFrom('User').select(['id', 'name']).where('nameKey', 'is', null));
    if (missing.length === 0) return;
    await this.database.write(async ({ sql }) => {
      for (const { id, name } of missing) {
        await sql.run(
          sql.db
            .updateTable('User')
            .set({ nameKey: nameKey(name) })
            .where('id', '=', id),
        );
      }
    });
  }

  create(name: string): Promise<User> {
    return this.database.write(({ sql }) => insertUser(sql, name));
  }

  /** One read per handshake: undefined when the user does not exist. */
  async tokenStanding(userId: string, sessionId: string): Promise<TokenStanding | undefined> {
    const row = await this.database.reader.first(tokenStanding({ userId, sessionId }));
    if (!row) return undefined;
    return {
      tokensValidFrom: row.tokensValidFrom === null ? 0 : fromTimestamp(row.tokensValidFrom).getTime(),
      sessionRevoked: row.revokedSessionId !== null,
    };
  }
}

/** A new user's row, a guest's or an account's (`account`: its sign-in columns), in the caller's transaction. */
export async function insertUser(
  sql: Sql,
  name: string,
  account: { username: string; usernameKey: string; passwordHash: string } | Record<string, never> = {},
): Promise<User> {
  const user = { id: timeOrderedId(), name };
  await sql.run(
    sql.db.insertInto('User').values({ ...user, ...account, nameKey: nameKey(name), createdAt: timestamp() }),
  );
  return user;
}
