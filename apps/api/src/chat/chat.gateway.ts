import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketServer,
  type OnGatewayConnection,
} from '@nestjs/websockets';
import {
  ChatBroadcast,
  ChatCommand,
  ChatSignal,
  Namespace,
  PresenceLimits,
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
import { Deadlines } from '../common/deadlines.js';
import { SocketUser, socketUser, type SocketData } from '../common/socket-user.decorator.js';
import { APP_CONFIG, type AppConfig, type PresenceSettings } from '../config.js';
import { SpaceGateway } from '../spaces/space.gateway.js';
import { ChatService } from './chat.service.js';
import { MessagesService } from './messages.service.js';
import { SearchService } from './search/search.service.js';
import { ThreadsService } from './threads/threads.service.js';
import { RoomPresence } from './presence/room-presence.js';
import { TypingBatches } from './typing-batches.js';

/** Per socket, besides the user: its activity, which decides its part in presence. */
interface ChatSocketData extends SocketData {
  activeAt: number;
  idle: boolean;
}

export type ChatNamespace = IoNamespace<ChatClientEvents, ChatServerEvents, Record<string, never>, ChatSocketData>;
type ChatSocket = Socket<ChatClientEvents, ChatServerEvents, Record<string, never>, ChatSocketData>;

/**
 * `/chat`: parses with the contract, calls the service, joins Socket.IO rooms, keeps presence.
 * Creating and listing rooms are a space's (see `SpaceGateway`); joining and leaving are chat's
 * own, for presence.
 *
 * Presence lives in `RoomPresence`: each join, leave, disconnect and idle change updates it, and
 * it sends rooms coalesced deltas. A socket with no incoming event for the away delay is idle; a
 * user whose sockets are all idle is `away`.
 */
@CommandGateway(Namespace.Chat)
export class ChatGateway
  extends SpaceGateway({ create: ChatCommand.RoomCreate, list: ChatCommand.RoomList })
  implements OnGatewayConnection, OnModuleDestroy
{
  @WebSocketServer() private readonly server!: ChatNamespace;
  private typing!: TypingBatches;
  private readonly typingWindowMs: number;
  private presence!: RoomPresence;
  private readonly presenceSettings: PresenceSettings;
  private readonly clustered: boolean;
  /** When each active socket becomes idle, on one timer: activity only moves `activeAt`. */
  private readonly idleAt: Deadlines<ChatSocket>;
  /** Per room, the joins in progress: a storm of them makes a big room before anyone is online. */
  private readonly arriving = new Map<string, number>();
  private closing = false;
  private readonly logger = new Logger(ChatGateway.name);

  constructor(
    private readonly chat: ChatService,
    private readonly messages: MessagesService,
    private readonly search: SearchService,
    private readonly threads: ThreadsService,
    broadcaster: Broadcaster,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    super(broadcaster, {
      create: (user, input: ChatInput<'room:create'>) => chat.createRoom(user, input),
      list: (user) => chat.listRooms(user),
    });
    this.typingWindowMs = config.typingThrottleMs;
    this.presenceSettings = config.presence;
    this.clustered = config.redisUrl !== undefined;
    this.idleAt = new Deadlines((socket) => socket.data.activeAt + this.presenceSettings.awayMs, this.onIdle);
  }

  override afterInit(server: ChatNamespace): void {
    super.afterInit(server);
    this.typing = new TypingBatches(this.typingWindowMs, (event) => {
      const toRoom = server.to(rooms.chat(event.roomId));
      (event.stopped.length > 0 ? toRoom : toRoom.volatile).emit(ChatBroadcast.Typing, event);
    });
    // Each node tells its own sockets; the other nodes hear of changes through the adapter.
    const peers = server as unknown as IoNamespace;
    this.presence = new RoomPresence(
      this.presenceSettings,
      (delta) => server.local.to(rooms.chat(delta.roomId)).emit(ChatBroadcast.Presence, delta),
      this.clustered
        ? {
            emit: (event, payload) => peers.serverSideEmit(event, payload),
            on: (event, listener) => peers.on(event, listener as (payload: unknown) => void),
          }
        : undefined,
    );
  }

  handleConnection(socket: ChatSocket): void {
    socket.data.activeAt = Date.now();
    socket.data.idle = false;
    this.idleAt.add(socket);
    // Any event from the client — a command, `typing`, `activity` — is a sign of the person.
    socket.onAny(this.onActivity);
    socket.on('disconnect', this.onDisconnect);
  }

  // Listeners shared by every socket: Socket.IO calls them with the socket as `this`.
  private readonly onActivity = ((gateway: ChatGateway) =>
    function (this: ChatSocket): void {
      gateway.active(this);
    })(this);

  private readonly onDisconnect = ((gateway: ChatGateway) =>
    function (this: ChatSocket): void {
      gateway.disconnected(this);
    })(this);

  private disconnected(socket: ChatSocket): void {
    this.idleAt.delete(socket);
    if (this.closing) return;
    // The user stays listed for the grace period.
    this.presence.disconnected(socket.id);
    const user = socketUser(socket);
    this.chat
      .noteSeen(user)
      .catch((error: unknown) => this.logger.warn(`last seen of ${user.id} not stored: ${String(error)}`));
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.presence.close();
    this.typing.clear();
    this.idleAt.clear();
  }

  @SubscribeMessage(ChatCommand.RoomJoin)
  async joinRoom(
    @ConnectedSocket() socket: ChatSocket,
    @SocketUser() user: User,
    @MessageBody() input: ChatInput<'room:join'>,
  ): Promise<ChatCommandResults['room:join']> {
    this.arriving.set(input.roomId, (this.arriving.get(input.roomId) ?? 0) + 1);
    const joined = await this.chat
      .joinRoom(
        user,
        input,
        () => void socket.join(rooms.chat(input.roomId)),
        () => this.isSmall(input.roomId, 1),
      )
      .finally(() => {
        const left = (this.arriving.get(input.roomId) ?? 1) - 1;
        if (left > 0) this.arriving.set(input.roomId, left);
        else this.arriving.delete(input.roomId);
      });
    // Gone while the join was read: its disconnect has already been counted.
    if (socket.disconnected)
      return { ...joined, presence: this.presence.page(input.roomId, undefined, PresenceLimits.pageDefault) };
    const { activeAt, idle } = socket.data;
    return { ...joined, presence: this.presence.joined(socket.id, user, input.roomId, { activeAt, idle }) };
  }

  @SubscribeMessage(ChatCommand.RoomLeave)
  async leaveRoom(@SocketUser() user: User, @MessageBody() input: ChatInput<'room:leave'>) {
    const left = await this.chat.leaveRoom(user, input, this.isSmall(input.roomId));
    // Leaving is per user: every tab of theirs stops hearing the room, at once (no grace).
    this.server.in(rooms.user(user.id)).socketsLeave(rooms.chat(input.roomId));
    this.server.to(rooms.user(user.id)).emit(ChatBroadcast.RoomLeft, { roomId: input.roomId });
    this.presence.left(input.roomId, user);
    return left;
  }

  /** Pages of the room's online users, for sockets in the room. Writes nothing. */
  @SubscribeMessage(ChatCommand.RoomMembers)
  async members(
    @ConnectedSocket() socket: ChatSocket,
    @SocketUser() user: User,
    @MessageBody() input: ChatInput<'room:members'>,
  ): Promise<ChatCommandResults['room:members']> {
    if (!socket.rooms.has(rooms.chat(input.roomId))) await this.chat.refuseMembers(user, input.roomId);
    return this.presence.page(input.roomId, input.cursor, input.limit);
  }

  @SubscribeMessage(ChatCommand.RoomRename)
  renameRoom(@SocketUser() user: User, @MessageBody() input: ChatInput<'room:rename'>) {
    return this.chat.renameRoom(user, input);
  }

  @SubscribeMessage(ChatCommand.RoomInviteRotate)
  rotateInviteCode(@SocketUser() user: User, @MessageBody() input: ChatInput<'room:invite:rotate'>) {
    return this.chat.rotateInviteCode(user, input);
  }

  /** A marker that moved is told to the room ("seen by") and to the user's other tabs (badges). */
  @SubscribeMessage(ChatCommand.RoomRead)
  async markRead(
    @SocketUser() user: User,
    @MessageBody() input: ChatInput<'room:read'>,
  ): Promise<ChatCommandResults['room:read']> {
    const { moved, ...read } = await this.chat.markRead(user, input);
    if (moved) {
      this.server
        .to([rooms.chat(read.roomId), rooms.user(user.id)])
        .emit(ChatBroadcast.ReadUpdated, { roomId: read.roomId, user, readSeq: read.readSeq });
    }
    return read;
  }

  @SubscribeMessage(ChatCommand.MessageSend)
  sendMessage(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:send'>) {
    return this.messages.sendMessage(user, input);
  }

  @SubscribeMessage(ChatCommand.MessageEdit)
  editMessage(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:edit'>) {
    return this.messages.editMessage(user, input);
  }

  @SubscribeMessage(ChatCommand.MessageDelete)
  deleteMessage(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:delete'>) {
    return this.messages.deleteMessage(user, input);
  }

  @SubscribeMessage(ChatCommand.ReactionToggle)
  toggleReaction(@SocketUser() user: User, @MessageBody() input: ChatInput<'reaction:toggle'>) {
    return this.messages.toggleReaction(user, input);
  }

  @SubscribeMessage(ChatCommand.MessageHistory)
  history(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:history'>) {
    return this.messages.history(user, input);
  }

  @SubscribeMessage(ChatCommand.ThreadHistory)
  threadHistory(@SocketUser() user: User, @MessageBody() input: ChatInput<'thread:history'>) {
    return this.threads.history(user, input);
  }

  @SubscribeMessage(ChatCommand.MessageSearch)
  searchMessages(@SocketUser() user: User, @MessageBody() input: ChatInput<'message:search'>) {
    return this.search.find(user, input);
  }

  /**
   * Not acked; dropped when the socket is not in the room. Signals are coalesced per room (see
   * `TypingBatches`); a batch that tells of someone stopping is sent reliably, so an indicator
   * never sticks, the others are volatile (a busy connection skips them).
   */
  @SubscribeMessage(ChatSignal.Typing)
  typingSignal(@ConnectedSocket() socket: ChatSocket, @MessageBody() input: ChatSignalInput<'typing'>): void {
    if (!socket.rooms.has(rooms.chat(input.roomId))) return;
    this.typing.note(input.roomId, socketUser(socket), input.typing);
  }

  /** The person is here: the activity itself was noted when the event arrived (`onAny`). */
  @SubscribeMessage(ChatSignal.Activity)
  activitySignal(): void {}

  /**
   * Whether joins and leaves in the room are still announced by system messages: while fewer
   * people are online or on their way in than the limit (a storm of 10,000 first joins would
   * otherwise be 10,000 messages to each of 10,000 members). A newcomer does not count itself.
   */
  private isSmall(roomId: string, ownArrival = 0): boolean {
    const size = this.presence.online(roomId) + (this.arriving.get(roomId) ?? 0) - ownArrival;
    return size < this.presenceSettings.joinNoticeMaxOnline;
  }

  /** Each event notes the time only: the socket's away deadline is read again when it comes. */
  private active(socket: ChatSocket): void {
    socket.data.activeAt = Date.now();
    if (!socket.data.idle) return;
    socket.data.idle = false;
    this.idleAt.add(socket);
    this.presence.activity(socket.id, false, socket.data.activeAt);
  }

  private readonly onIdle = (socket: ChatSocket): void => {
    if (socket.disconnected || socket.data.idle) return;
    socket.data.idle = true;
    this.presence.activity(socket.id, true, socket.data.activeAt);
  };
}
