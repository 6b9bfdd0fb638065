import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
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
  type PresenceMember,
  type User,
} from '@tandem/contract';
import type { Namespace as IoNamespace, Socket } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { CoalescedRuns } from '../common/coalesced-runs.js';
import { CommandGateway } from '../common/command-gateway.decorator.js';
import { SocketUser, socketUser, type SocketData } from '../common/socket-user.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config.js';
import { ChatService } from './chat.service.js';
import { MessagesService } from './messages.service.js';
import { PresenceGrace, presenceMembers, type PresenceSource } from './presence.js';
import { TypingThrottle } from './typing-throttle.js';

/** Per socket, besides the user: its activity, which presence reads on every node (`fetchSockets`). */
interface ChatSocketData extends SocketData {
  activeAt: number;
  idle: boolean;
}

type ChatNamespace = IoNamespace<ChatClientEvents, ChatServerEvents, Record<string, never>, ChatSocketData>;
type ChatSocket = Socket<ChatClientEvents, ChatServerEvents, Record<string, never>, ChatSocketData>;

const chatRoomPrefix = rooms.chat('');

/** The chat rooms a socket is in, by room id. */
function chatRoomsOf(socket: ChatSocket): string[] {
  return [...socket.rooms]
    .filter((room) => room.startsWith(chatRoomPrefix))
    .map((room) => room.slice(chatRoomPrefix.length));
}

/**
 * `/chat`: parses with the contract, calls the service, joins Socket.IO rooms, keeps presence.
 *
 * Presence is read from the Socket.IO rooms (every node's sockets), plus the users in their grace
 * period after a disconnect (this node's, see `PresenceGrace`). A socket with no incoming event
 * for the away delay is idle; a user whose sockets are all idle is `away`.
 */
@CommandGateway(Namespace.Chat)
export class ChatGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  @WebSocketServer() private readonly server!: ChatNamespace;
  private readonly typing: TypingThrottle;
  private readonly grace: PresenceGrace;
  private readonly awayMs: number;
  private readonly idleTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** A burst of joins or leaves in one room shares its presence computations. */
  private readonly presence = new CoalescedRuns((roomId) => this.sendPresence(roomId));
  private closing = false;
  private readonly logger = new Logger(ChatGateway.name);

  constructor(
    private readonly chat: ChatService,
    private readonly messages: MessagesService,
    private readonly broadcaster: Broadcaster,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.typing = new TypingThrottle(config.typingThrottleMs);
    this.grace = new PresenceGrace(config.presence.graceMs);
    this.awayMs = config.presence.awayMs;
  }

  afterInit(server: ChatNamespace): void {
    this.broadcaster.register(server);
  }

  handleConnection(socket: ChatSocket): void {
    void socket.join(rooms.user(socket.data.user.id));
    socket.data.activeAt = Date.now();
    socket.data.idle = false;
    const idleTimer = setTimeout(() => this.onIdle(socket), this.awayMs);
    idleTimer.unref();
    this.idleTimers.set(socket.id, idleTimer);
    // Any event from the client — a command, `typing`, `activity` — is a sign of the person.
    socket.onAny(() => this.onActivity(socket));
    socket.on('disconnecting', () => {
      const chatRooms = chatRoomsOf(socket);
      this.typing.forgetSocket(socket.id);
      clearTimeout(this.idleTimers.get(socket.id));
      this.idleTimers.delete(socket.id);
      if (this.closing) return;
      const user = socketUser(socket);
      const source: PresenceSource = { user, idle: socket.data.idle, activeAt: socket.data.activeAt };
      // Presence is recomputed once the socket has left its rooms; the user stays listed for the grace period.
      socket.once('disconnect', () => {
        if (this.closing) return;
        for (const roomId of chatRooms) {
          this.grace.hold(roomId, source, () => this.announcePresence(roomId));
          this.announcePresence(roomId);
        }
        this.chat
          .noteSeen(user)
          .catch((error: unknown) => this.logger.warn(`last seen of ${user.id} not stored: ${String(error)}`));
      });
    });
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.grace.clear();
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
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
    // Back within the grace period: the live socket now speaks for the user.
    this.grace.release(input.roomId, user.id);
    const members = await this.publishPresence(input.roomId);
    return { ...joined, members };
  }

  @SubscribeMessage(ChatCommand.RoomLeave)
  async leaveRoom(@SocketUser() user: User, @MessageBody() input: ChatInput<'room:leave'>) {
    const left = await this.chat.leaveRoom(user, input);
    // Leaving is per user: every tab of theirs stops hearing the room, at once (no grace).
    this.server.in(rooms.user(user.id)).socketsLeave(rooms.chat(input.roomId));
    this.server.to(rooms.user(user.id)).emit(ChatBroadcast.RoomLeft, { roomId: input.roomId });
    this.grace.release(input.roomId, user.id);
    await this.publishPresence(input.roomId);
    return left;
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

  /**
   * Not acked; dropped when the socket is not in the room. "Typing" is throttled and volatile (a
   * busy connection skips it); "stopped typing" follows every forwarded "typing" and is sent
   * reliably, so an indicator never sticks.
   */
  @SubscribeMessage(ChatSignal.Typing)
  typingSignal(@ConnectedSocket() socket: ChatSocket, @MessageBody() input: ChatSignalInput<'typing'>): void {
    const room = rooms.chat(input.roomId);
    if (!socket.rooms.has(room) || !this.typing.shouldForward(socket.id, input.roomId, input.typing)) return;
    const toRoom = socket.to(room);
    (input.typing ? toRoom.volatile : toRoom).emit(ChatBroadcast.Typing, {
      roomId: input.roomId,
      user: socketUser(socket),
      typing: input.typing,
    });
  }

  /** The person is here: the activity itself was noted when the event arrived (`onAny`). */
  @SubscribeMessage(ChatSignal.Activity)
  activitySignal(): void {}

  private onActivity(socket: ChatSocket): void {
    socket.data.activeAt = Date.now();
    this.idleTimers.get(socket.id)?.refresh();
    if (!socket.data.idle) return;
    socket.data.idle = false;
    // Another tab here was active already: the user was online, nothing changes.
    if (this.hasOtherActiveSocket(socket)) return;
    for (const roomId of chatRoomsOf(socket)) this.announcePresence(roomId);
  }

  private onIdle(socket: ChatSocket): void {
    if (socket.disconnected || socket.data.idle) return;
    socket.data.idle = true;
    // Another tab here is still active: the user stays online, so there is no need to tell rooms.
    if (this.hasOtherActiveSocket(socket)) return;
    for (const roomId of chatRoomsOf(socket)) this.announcePresence(roomId);
  }

  /**
   * Whether another socket of the same user, on this node, is active. Status changes are published
   * only when this one decides them, so that many tabs of one user idling together make one
   * presence update, not one each. (Tabs on other nodes are counted when presence is computed.)
   */
  private hasOtherActiveSocket(socket: ChatSocket): boolean {
    const ids = this.server.adapter.rooms.get(rooms.user(socket.data.user.id)) ?? new Set<string>();
    for (const id of ids) {
      if (id !== socket.id && this.server.sockets.get(id)?.data.idle === false) return true;
    }
    return false;
  }

  /** `publishPresence` when nothing waits for it: from timers and socket events. */
  private announcePresence(roomId: string): void {
    if (this.closing) return;
    this.publishPresence(roomId).catch((error: unknown) =>
      this.logger.warn(`presence of ${roomId} not sent: ${String(error)}`),
    );
  }

  /** Online members of a room, one entry per user whatever their tab count, sent to the room. */
  private publishPresence(roomId: string): Promise<PresenceMember[]> {
    return this.presence.request(roomId);
  }

  private async sendPresence(roomId: string): Promise<PresenceMember[]> {
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
    const live: PresenceSource[] = sockets.map(({ data }) => ({
      user: data.user,
      idle: data.idle,
      activeAt: data.activeAt,
    }));
    const connected = new Set(live.map((source) => source.user.id));
    const lingering = this.grace.lingering(roomId).filter((source) => !connected.has(source.user.id));
    const members = presenceMembers([...live, ...lingering]);
    this.server.to(room).emit(ChatBroadcast.Presence, { roomId, members });
    return members;
  }
}
