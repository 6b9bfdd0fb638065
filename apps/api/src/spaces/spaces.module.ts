import { Global, Module } from '@nestjs/common';
import { PinAttempts } from './pin-attempts.js';
import { SpacePinsRepository } from './space-pins.repository.js';
import { SpacesRepository } from './spaces.repository.js';
import { SpacesService } from './spaces.service.js';

/** What rooms, boards and lists share: see `SpacesService`. */
@Global()
@Module({
  providers: [SpacesService, SpacesRepository, SpacePinsRepository, PinAttempts],
  exports: [SpacesService, SpacesRepository],
})
export class SpacesModule {}
