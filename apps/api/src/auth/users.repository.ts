import { Injectable } from '@nestjs/common';
import { timeOrderedId, type User } from '@tandem/contract';
import { DatabaseService } from '../db/database.service.js';
import { timestamp } from '../db/dialect.js';
import { prepare } from '../db/sql.js';

const userExists = prepare((db, user: { id: string }) => db.selectFrom('User').select('id').where('id', '=', user.id));

@Injectable()
export class UsersRepository {
  constructor(private readonly database: DatabaseService) {}

  create(name: string): Promise<User> {
    return this.database.write(async ({ sql }) => {
      const user = { id: timeOrderedId(), name };
      await sql.run(sql.db.insertInto('User').values({ ...user, createdAt: timestamp() }));
      return user;
    });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.database.reader.first(userExists({ id }))) !== undefined;
  }
}
