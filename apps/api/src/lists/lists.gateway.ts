import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketServer,
  type OnGatewayInit,
} from '@nestjs/websockets';
import {
  ListsCommand,
  Namespace,
  rooms,
  type ListsClientEvents,
  type ListsCommandResults,
  type ListsInput,
  type ListsServerEvents,
  type User,
} from '@tandem/contract';
import type { Namespace as IoNamespace, Socket } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { CommandGateway } from '../common/command-gateway.decorator.js';
import { SocketUser, type SocketData } from '../common/socket-user.decorator.js';
import { ListsService } from './lists.service.js';

type ListsNamespace = IoNamespace<ListsClientEvents, ListsServerEvents, Record<string, never>, SocketData>;
type ListsSocket = Socket<ListsClientEvents, ListsServerEvents, Record<string, never>, SocketData>;

/** `/lists`: the contract has parsed the payload; one service call per command, plus room joins. */
@CommandGateway(Namespace.Lists)
export class ListsGateway implements OnGatewayInit {
  @WebSocketServer() private readonly server!: ListsNamespace;

  constructor(
    private readonly lists: ListsService,
    private readonly broadcaster: Broadcaster,
  ) {}

  afterInit(server: ListsNamespace): void {
    this.broadcaster.register(server);
  }

  @SubscribeMessage(ListsCommand.ListCreate)
  createList(@SocketUser() user: User, @MessageBody() input: ListsInput<'list:create'>) {
    return this.lists.createList(user, input);
  }

  @SubscribeMessage(ListsCommand.ListList)
  listLists(@SocketUser() user: User) {
    return this.lists.listLists(user);
  }

  @SubscribeMessage(ListsCommand.ListJoin)
  joinList(
    @ConnectedSocket() socket: ListsSocket,
    @SocketUser() user: User,
    @MessageBody() input: ListsInput<'list:join'>,
  ): Promise<ListsCommandResults['list:join']> {
    return this.lists.joinList(user, input, () => void socket.join(rooms.list(input.listId)));
  }

  /** Stops this socket hearing the list; the user stays a member. */
  @SubscribeMessage(ListsCommand.ListLeave)
  async leaveList(
    @ConnectedSocket() socket: ListsSocket,
    @MessageBody() input: ListsInput<'list:leave'>,
  ): Promise<ListsCommandResults['list:leave']> {
    await socket.leave(rooms.list(input.listId));
    return { listId: input.listId };
  }

  @SubscribeMessage(ListsCommand.ListRename)
  renameList(@SocketUser() user: User, @MessageBody() input: ListsInput<'list:rename'>) {
    return this.lists.renameList(user, input);
  }

  @SubscribeMessage(ListsCommand.ListDelete)
  async deleteList(@SocketUser() user: User, @MessageBody() input: ListsInput<'list:delete'>) {
    const deleted = await this.lists.deleteList(user, input);
    // `list:deleted` has gone out to the room on commit; after it the room has nothing to say.
    this.server.in(rooms.list(input.listId)).socketsLeave(rooms.list(input.listId));
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
