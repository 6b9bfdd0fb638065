import { Module } from '@nestjs/common';
import { AccountsController } from './accounts.controller.js';
import { AccountsRepository } from './accounts.repository.js';
import { AccountsService } from './accounts.service.js';
import { PasswordHasher } from './password-hasher.js';
import { SessionsController } from './sessions.controller.js';
import { SignInLimiter } from './sign-in-limiter.js';

@Module({
  controllers: [SessionsController, AccountsController],
  providers: [AccountsService, AccountsRepository, PasswordHasher, SignInLimiter],
})
export class AccountsModule {}
