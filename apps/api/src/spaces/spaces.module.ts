import { Global, Module } from '@nestjs/common';
import { SpacesRepository } from './spaces.repository.js';
import { SpacesService } from './spaces.service.js';

/** What rooms, boards and lists share: see `SpacesService`. */
@Global()
@Module({ providers: [SpacesService, SpacesRepository], exports: [SpacesService, SpacesRepository] })
export class SpacesModule {}
