import { Injectable } from '@nestjs/common';
import { ErrorCode, type User } from '@tandem/contract';
import { insertUser } from '../auth/users.repository.js';
import { DomainError } from '../common/domain-error.js';
import { DatabaseService } from '../db/database.service.js';
import { isUniqueViolation, timestamp } from '../db/dialect.js';
import { prepare, type Sql } from '../db/sql.js';

export interface Account {
  user: User;
  /** Null for a guest. */
  username: string | null;
  passwordHash: string | null;
}

export interface Credentials {
  username: string;
  passwordHash: string;
}

/** Usernames are one account whatever their case: the unique key is the lower-case form. */
export function usernameKey(username: string): string {
  return username.toLowerCase();
}

const accountColumns = ['id', 'name', 'username', 'passwordHash'] as const;
const accountByUsername = prepare((db, account: { usernameKey: string }) =>
  db.selectFrom('User').select(accountColumns).where('usernameKey', '=', account.usernameKey),
);
const accountById = prepare((db, account: { id: string }) =>
  db.selectFrom('User').select(accountColumns).where('id', '=', account.id),
);

function taken(username: string): DomainError {
  return new DomainError(ErrorCode.Conflict, `the username "${username}" is taken: choose another`, {
    field: 'username',
  });
}

@Injectable()
export class AccountsRepository {
  constructor(private readonly database: DatabaseService) {}

  async byUsername(username: string): Promise<Account | undefined> {
    const row = await this.database.reader.first(accountByUsername({ usernameKey: usernameKey(username) }));
    return row && toAccount(row);
  }

  async byId(id: string): Promise<Account | undefined> {
    const row = await this.database.reader.first(accountById({ id }));
    return row && toAccount(row);
  }

  create(name: string, credentials: Credentials): Promise<User> {
    return this.writeCredentials(credentials, (sql) => insertUser(sql, name, columnsOf(credentials)));
  }

  /** A guest takes a username and password: same id, so every room, board and list stays theirs. */
  claim(userId: string, credentials: Credentials): Promise<User> {
    return this.writeCredentials(credentials, async (sql) => {
      const guest = await sql.first(accountById({ id: userId }));
      if (!guest) throw DomainError.notFound('user');
      if (guest.passwordHash !== null) {
        throw new DomainError(ErrorCode.Conflict, `this user already has an account ("${guest.username ?? ''}")`);
      }
      await sql.run(sql.db.updateTable('User').set(columnsOf(credentials)).where('id', '=', userId));
      return { id: guest.id, name: guest.name };
    });
  }

  /** Sets a new password; every token issued before `validFrom` is refused from then on. */
  async changePassword(userId: string, passwordHash: string, validFrom: Date): Promise<void> {
    await this.database.write(({ sql }) =>
      sql.run(
        sql.db
          .updateTable('User')
          .set({ passwordHash, tokensValidFrom: timestamp(validFrom) })
          .where('id', '=', userId),
      ),
    );
  }

  /** Refuses a sign-in's tokens until `expiresAt`, when all of them have expired; forgets older revocations. */
  async revokeSession(sessionId: string, userId: string, expiresAt: Date): Promise<void> {
    await this.database.write(async ({ sql }) => {
      await sql.run(sql.db.deleteFrom('RevokedSession').where('expiresAt', '<', timestamp()));
      await sql.run(
        sql.db
          .insertInto('RevokedSession')
          .values({ id: sessionId, userId, expiresAt: timestamp(expiresAt) })
          .onConflict((conflict) => conflict.column('id').doNothing()),
      );
    });
  }

  /** A write that sets a username: refused, with nothing written, when the username is taken. */
  private async writeCredentials<T>(credentials: Credentials, work: (sql: Sql) => Promise<T>): Promise<T> {
    try {
      return await this.database.write(async ({ sql }) => {
        const holder = await sql.first(accountByUsername({ usernameKey: usernameKey(credentials.username) }));
        if (holder) throw taken(credentials.username);
        return work(sql);
      });
    } catch (error) {
      // Two sign-ups of one username at once: the unique index refuses the second.
      if (isUniqueViolation(error)) throw taken(credentials.username);
      throw error;
    }
  }
}

function columnsOf(credentials: Credentials) {
  return {
    username: credentials.username,
    usernameKey: usernameKey(credentials.username),
    passwordHash: credentials.passwordHash,
  };
}

function toAccount(row: { id: string; name: string; username: string | null; passwordHash: string | null }): Account {
  return { user: { id: row.id, name: row.name }, username: row.username, passwordHash: row.passwordHash };
}
