import { Module } from '@nestjs/common';
import { ListsController } from './lists.controller.js';
import { ListsGateway } from './lists.gateway.js';
import { ListsRepository } from './lists.repository.js';
import { ListsService } from './lists.service.js';

@Module({ controllers: [ListsController], providers: [ListsGateway, ListsService, ListsRepository] })
export class ListsModule {}
