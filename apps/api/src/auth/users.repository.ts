import { newId } from '../db/new-id.js';
import { Injectable } from '@nestjs/common';
import type { User } from '@tandem/contract';
import { DatabaseService } from '../db/database.service.js';

@Injectable()
export class UsersRepository {
  constructor(private readonly database: DatabaseService) {}

  create(name: string): Promise<User> {
    return this.database.write(({ tx }) =>
      tx.user.create({ data: { id: newId(), name }, select: { id: true, name: true } }),
    );
  }

  async exists(id: string): Promise<boolean> {
    return (await this.database.client.user.count({ where: { id } })) > 0;
  }
}
