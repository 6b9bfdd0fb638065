import { Global, Module } from '@nestjs/common';
import { SessionsController } from './sessions.controller.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

@Global()
@Module({
  controllers: [SessionsController],
  providers: [TokenService, UsersRepository],
  exports: [TokenService, UsersRepository],
})
export class AuthModule {}
