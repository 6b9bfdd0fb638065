import { Global, Module } from '@nestjs/common';
import { SessionExpiry } from './session-expiry.js';
import { SessionsController } from './sessions.controller.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

@Global()
@Module({
  controllers: [SessionsController],
  providers: [TokenService, UsersRepository, SessionExpiry],
  exports: [TokenService, UsersRepository, SessionExpiry],
})
export class AuthModule {}
