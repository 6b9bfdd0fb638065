import { Injectable } from '@nestjs/common';
import { timeOrderedId, type User } from '@tandem/contract';
import { DatabaseService } from '../db/database.service.js';

@Injectable()
export class UsersRepository {
  constructor(private readonly database: DatabaseService) {}

  create(name: string): Promise<User> {
    return this.database.write(({ tx }) =>
      tx.user.create({ data: { id: timeOrderedId(), name }, select: { id: true, name: true } }),
    );
  }

  async exists(id: string): Promise<boolean> {
    return (await this.database.client.user.count({ where: { id } })) > 0;
  }
}
