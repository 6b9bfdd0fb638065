import { Controller, Get, Header, Param, UseGuards } from '@nestjs/common';
import { ListsRoute, type ListSnapshot, type ListsCommandResults, type User } from '@tandem/contract';
import { BearerAuthGuard, RequestUser } from '../auth/bearer-auth.guard.js';
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

  @Get(ListsRoute.List)
  @Header('Cache-Control', 'no-store')
  one(@RequestUser() user: User, @Param('listId') listId: string): Promise<ListSnapshot> {
    return this.lists.readList(user, listId);
  }
}
