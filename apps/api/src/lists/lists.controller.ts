import { Controller, Get, Header, Param, UseGuards } from '@nestjs/common';
import { ListsRoute, type ListSnapshot, type ListsCommandResults, type User } from '@tandem/contract';
import { BearerAuthGuard, RequestUser } from '../auth/bearer-auth.guard.js';
import { toJson } from '../common/encoded-once.js';
import { ListsService } from './lists.service.js';

/**
 * The read-only HTTP mirror of `/lists`, for scripts: the same data as `list:list` and
 * `list:join`, under the same rules, without joining (reading makes no one a member).
 */
@Controller()
@UseGuards(BearerAuthGuard)
export class ListsController {
  constructor(private readonly lists: ListsService) {}

  @Get(ListsRoute.Lists)
  @Header('Cache-Control', 'no-store')
  all(@RequestUser() user: User): Promise<ListsCommandResults['list:list']> {
    return this.lists.listLists(user);
  }

  /** A `ListSnapshot`, written as JSON here: the items' JSON, made once per seq of the list, is spliced in (see `KeptItems`). */
  @Get(ListsRoute.List)
  @Header('Cache-Control', 'no-store')
  @Header('Content-Type', 'application/json; charset=utf-8')
  async one(@RequestUser() user: User, @Param('listId') listId: string): Promise<string> {
    const snapshot: ListSnapshot = await this.lists.readList(user, listId);
    return toJson(snapshot);
  }
}
