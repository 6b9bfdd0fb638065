import { Inject, Logger } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayInit,
} from '@nestjs/websockets';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  Namespace,
  rooms,
  type ChatClientEvents,
  type ChatCommandResults,
  type ChatInput,
  type ChatSignalInput,
  type ChatServerEvents,
  type User,
} from '@tandem/contract';
import type { Namespace as IoNamespace, Socket } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { CommandGateway } from '../common/command-gateway.decorator.js';
import { SocketUser, socketUser, type SocketData } from '../common/socket-user.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { ChatService } from './chat.service.js';
import { TypingThrottle } from './typing-throttle.js';

type ChatNamespace = IoNamespace<ChatClientEvents, ChatServerEvents, Record<string, never>, SocketData>;
type ChatSocket = Socket<ChatClientEvents, ChatServerEvents, Record<string, never>, SocketData>;

/** `/chat`: parses with the contract, calls the service, joins Socket.IO rooms, keeps presence. */
@CommandGateway(Namespace.Chat)
export class ChatGateway implements OnGatewayInit, OnGatewayConnection {
  @WebSocketServer() private readonly server!: ChatNamespace;
  private readonly typing: TypingThrottle;
  private readonly logger = new Logger(ChatGateway.name);

  constructor(
    private readonly chat: ChatService,
    private readonly broadcaster: Broadcaster,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.typing = new TypingThrottle(config.typingThrottleMs);
  }

  afterInit(server: ChatNamespace): void {
    this.broadcaster.register(server as unknown as IoNamespace);
  }

  handleConnection(socket: ChatSocket): void {
    void socket.join(rooms.user(socket.data.user.id));
    socket.on('disconnecting', () => {
      const chatRooms = [...socket.rooms].filter((room) => room.startsWith(rooms.chat('')));
      this.typing.forgetSocket(socket.id);
      // Presence is recomputed once the socket has left its rooms.
      socket.once('disconnect', () => {
        for (const room of chatRooms) void this.publishPresence(room.slice(rooms.chat('').length));
      });
    });
  }

  @SubscribeMessage(ChatCommand.RoomCreate)
  createRoom(@SocketUser() user: User, @MessageBody() input: ChatInput<'room:create'>) {
    return this.chat.createRoom(user, input);
  }

  @SubscribeMessage(ChatCommand.RoomList)
  listRooms(@SocketUser() user: User) {
    return this.chat.listRooms(user);
  }

  @SubscribeMessage(ChatCommand.RoomJoin)
  async joinRoom(
    @ConnectedSocket() socket: ChatSocket,
    @SocketUser() user: User,
    @MessageBody() input: ChatInput<'room:join'>,
  ): Promise<ChatCommandResults['room:join']> {
    const joined = await this.chat.joinRoom(user, input, () => void socket.join(rooms.chat(input.roomId)));
    const members = await this.publishPresence(input.roomId);
    return { ...joined, members };
  }

  @SubscribeMessage(ChatCommand.RoomLeave)
  async leaveRoom(@SocketUser() user: User, @MessageBody() input: ChatInput<'room:leave'>) {
    const left = await this.chat.leaveRoom(user, input);
    // Leaving is per user: every tab of theirs stops hearing the room.
    this.server.in(rooms.user(user.id)).socketsLeave(rooms.chat(input.roomId));
    this.server.to(rooms.user(user.id)).emit(ChatBroadcast.RoomLeft, { roomId: input.roomId });
    await this.publishPresence(input.roomId);
    return left;
  }

  @SubscribeMessage(ChatCommand.MessageSend)
  sendMessage(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:send'>) {
    return this.chat.sendMessage(user, input);
  }

  @SubscribeMessage(ChatCommand.MessageHistory)
  history(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:history'>) {
    return this.chat.history(user, input);
  }

  /** Volatile: not acked, dropped when throttled or when the socket is not in the room. */
  @SubscribeMessage(ChatSignal.Typing)
  typingSignal(@ConnectedSocket() socket: ChatSocket, @MessageBody() input: ChatSignalInput<'typing'>): void {
    const room = rooms.chat(input.roomId);
    if (!socket.rooms.has(room) || !this.typing.shouldForward(socket.id, input.roomId, input.typing)) return;
    socket.to(room).volatile.emit(ChatBroadcast.Typing, { roomId: input.roomId, user: socketUser(socket), typing: input.typing });
  }

  /** Online members of a room, one entry per user whatever their tab count, sent to the room. */
  private async publishPresence(roomId: string): Promise<User[]> {
    const room = rooms.chat(roomId);
    // Across nodes this asks every node; if that fails (Redis unreachable), this node's view is
    // the best there is, and presence is corrected by the next change.
    const sockets = await this.server
      .in(room)
      .fetchSockets()
      .catch((error: unknown) => {
        this.logger.warn(`presence of ${roomId} from this node only: ${String(error)}`);
        return this.server.local.in(room).fetchSockets();
      });
    const members = new Map<string, User>();
    for (const socket of sockets) members.set(socket.data.user.id, socket.data.user);
    const online = [...members.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
    this.server.to(room).emit(ChatBroadcast.Presence, { roomId, members: online });
    return online;
  }
}
