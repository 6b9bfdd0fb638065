import { MessageBody, SubscribeMessage, WebSocketServer } from '@nestjs/websockets';
import {
  ListsCommand,
  Namespace,
  type ListsClientEvents,
  type ListsInput,
  type ListsServerEvents,
  type User,
} from '@tandem/contract';
import type { Namespace as IoNamespace } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { CommandGateway } from '../common/command-gateway.decorator.js';
import { SocketUser, type SocketData } from '../common/socket-user.decorator.js';
import { JoinableSpaceGateway } from '../spaces/space.gateway.js';
import { SpaceKinds } from '../space-kinds.js';
import { ListsService } from './lists.service.js';

type ListsNamespace = IoNamespace<ListsClientEvents, ListsServerEvents, Record<string, never>, SocketData>;

/**
 * `/lists`: the contract has parsed the payload; one service call per command. Creating, listing,
 * joining and leaving a list are a joinable space's (see `JoinableSpaceGateway`).
 */
@CommandGateway(Namespace.Lists)
export class ListsGateway extends JoinableSpaceGateway(SpaceKinds.list, {
  create: ListsCommand.ListCreate,
  list: ListsCommand.ListList,
  join: ListsCommand.ListJoin,
  leave: ListsCommand.ListLeave,
}) {
  @WebSocketServer() private readonly server!: ListsNamespace;

  constructor(
    private readonly lists: ListsService,
    broadcaster: Broadcaster,
  ) {
    super(broadcaster, {
      create: (user, input: ListsInput<'list:create'>) => lists.createList(user, input),
      list: (user) => lists.listLists(user),
      join: (user, input: ListsInput<'list:join'>, subscribe) => lists.joinList(user, input, subscribe),
    });
  }

  @SubscribeMessage(ListsCommand.ListRename)
  renameList(@SocketUser() user: User, @MessageBody() input: ListsInput<'list:rename'>) {
    return this.lists.renameList(user, input);
  }

  @SubscribeMessage(ListsCommand.ListDelete)
  async deleteList(@SocketUser() user: User, @MessageBody() input: ListsInput<'list:delete'>) {
    const deleted = await this.lists.deleteList(user, input);
    // `list:deleted` has gone out to the room on commit; after it the room has nothing to say.
    this.unsubscribeAll(this.server, input.listId);
    return deleted;
  }

  @SubscribeMessage(ListsCommand.ItemCreate)
  createItem(@SocketUser() user: User, @MessageBody() input: ListsInput<'item:create'>) {
    return this.lists.createItem(user, input);
  }

  @SubscribeMessage(ListsCommand.ItemUpdate)
  updateItem(@SocketUser() user: User, @MessageBody() input: ListsInput<'item:update'>) {
    return this.lists.updateItem(user, input);
  }

  @SubscribeMessage(ListsCommand.ItemDelete)
  deleteItem(@SocketUser() user: User, @MessageBody() input: ListsInput<'item:delete'>) {
    return this.lists.deleteItem(user, input);
  }

  @SubscribeMessage(ListsCommand.ItemRestore)
  restoreItem(@SocketUser() user: User, @MessageBody() input: ListsInput<'item:restore'>) {
    return this.lists.restoreItem(user, input);
  }

  @SubscribeMessage(ListsCommand.ItemMove)
  moveItem(@SocketUser() user: User, @MessageBody() input: ListsInput<'item:move'>) {
    return this.lists.moveItem(user, input);
  }
}
