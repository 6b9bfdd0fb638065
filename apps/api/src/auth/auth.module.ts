import { Global, Module } from '@nestjs/common';
import { Authenticator } from './authenticator.js';
import { SessionExpiry } from './session-expiry.js';
import { SessionRevocations } from './session-revocations.js';
import { TokenService } from './token.service.js';
import { UsersRepository } from './users.repository.js';

@Global()
@Module({
  providers: [TokenService, UsersRepository, Authenticator, SessionExpiry, SessionRevocations],
  exports: [TokenService, UsersRepository, Authenticator, SessionExpiry, SessionRevocations],
})
export class AuthModule {}
