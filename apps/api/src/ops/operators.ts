import { Inject, Injectable } from '@nestjs/common';
import { systemUser, type User } from '@tandem/contract';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { DatabaseService } from '../db/database.service.js';

/**
 * Who is an operator: the users whose ids OPERATORS lists, or, when it is unset, the first
 * account created on this database (the server's own user aside).
 */
@Injectable()
export class Operators {
  private firstAccount: string | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly database: DatabaseService,
  ) {}

  async includes(user: User): Promise<boolean> {
    if (this.config.operators) return this.config.operators.includes(user.id.toLowerCase());
    this.firstAccount ??= await this.findFirstAccount();
    return user.id === this.firstAccount;
  }

  private async findFirstAccount(): Promise<string | undefined> {
    const { reader } = this.database;
    const first = await reader.first(
      reader.db
        .selectFrom('User')
        .select('id')
        .where('id', '!=', systemUser.id)
        .orderBy('createdAt')
        .orderBy('id')
        .limit(1),
    );
    return first?.id;
  }
}
