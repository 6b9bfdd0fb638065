import { Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  ConnectedSocket,
  MessageBody,
  SubscribeMessage,
  WebSocketServer,
  type OnGatewayInit,
} from '@nestjs/websockets';
import {
  Namespace,
  ScoreboardBroadcast,
  ScoreboardCommand,
  ScoreboardLimits,
  rooms,
  type BoardState,
  type ScoreboardClientEvents,
  type ScoreboardCommandResults,
  type ScoreboardInput,
  type ScoreboardServerEvents,
  type User,
} from '@tandem/contract';
import type { Namespace as IoNamespace, Socket } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { CommandGateway } from '../common/command-gateway.decorator.js';
import { DomainEvents } from '../common/domain-events.js';
import { SocketUser, type SocketData } from '../common/socket-user.decorator.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BoardStateCoalescer } from './board-state.coalescer.js';
import { ScoreboardService } from './scoreboard.service.js';

type ScoreboardNamespace = IoNamespace<
  ScoreboardClientEvents,
  ScoreboardServerEvents,
  Record<string, never>,
  SocketData
>;
type ScoreboardSocket = Socket<ScoreboardClientEvents, ScoreboardServerEvents, Record<string, never>, SocketData>;

/**
 * `/scoreboard`: calls the service, joins Socket.IO rooms, and sends `board:state`. Board changes
 * are logged with `delivery: 'latest'`, so the generic broadcaster leaves them alone; each
 * commit only tells the coalescer which board changed, and it sends that board's state at most
 * once per interval, read from the database after the commit.
 */
@CommandGateway(Namespace.Scoreboard)
export class ScoreboardGateway implements OnGatewayInit, OnModuleDestroy {
  @WebSocketServer() private readonly server!: ScoreboardNamespace;
  private readonly logger = new Logger('Scoreboard');
  private readonly states: BoardStateCoalescer<BoardState>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly scoreboard: ScoreboardService,
    private readonly broadcaster: Broadcaster,
    events: DomainEvents,
    metrics: MetricsService,
  ) {
    this.states = new BoardStateCoalescer<BoardState>({
      intervalMs: ScoreboardLimits.stateIntervalMs,
      read: (boardId) => this.scoreboard.boardState(boardId),
      send: (boardId, state, delivery) => {
        const room = this.server.to(rooms.board(boardId));
        (delivery === 'volatile' ? room.volatile : room).emit(ScoreboardBroadcast.BoardState, state);
        metrics.broadcasts.inc({ namespace: Namespace.Scoreboard });
      },
      onError: (boardId, error) => this.logger.error(`board:state of ${boardId} failed: ${String(error)}`),
    });
    this.unsubscribe = events.subscribe('change.committed', (change) => {
      if (change.namespace !== Namespace.Scoreboard || change.delivery !== 'latest') return;
      this.states.notify(change.stream.slice(rooms.board('').length));
    });
  }

  afterInit(server: ScoreboardNamespace): void {
    this.broadcaster.register(server);
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    this.states.close();
  }

  @SubscribeMessage(ScoreboardCommand.BoardCreate)
  createBoard(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'board:create'>) {
    return this.scoreboard.createBoard(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.BoardList)
  listBoards(@SocketUser() user: User) {
    return this.scoreboard.listBoards(user);
  }

  @SubscribeMessage(ScoreboardCommand.BoardJoin)
  joinBoard(
    @ConnectedSocket() socket: ScoreboardSocket,
    @SocketUser() user: User,
    @MessageBody() input: ScoreboardInput<'board:join'>,
  ) {
    return this.scoreboard.joinBoard(user, input, () => void socket.join(rooms.board(input.boardId)));
  }

  /** This socket stops hearing the board; membership (and the user's other tabs) stay. */
  @SubscribeMessage(ScoreboardCommand.BoardLeave)
  async leaveBoard(
    @ConnectedSocket() socket: ScoreboardSocket,
    @MessageBody() input: ScoreboardInput<'board:leave'>,
  ): Promise<ScoreboardCommandResults['board:leave']> {
    await socket.leave(rooms.board(input.boardId));
    return { boardId: input.boardId };
  }

  @SubscribeMessage(ScoreboardCommand.BoardPinRotate)
  rotatePin(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'board:pin:rotate'>) {
    return this.scoreboard.rotatePin(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.BoardPinJoin)
  joinByPin(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'board:pin:join'>) {
    return this.scoreboard.joinByPin(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.BoardHistory)
  history(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'board:history'>) {
    return this.scoreboard.history(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.BoardReset)
  resetBoard(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'board:reset'>) {
    return this.scoreboard.resetBoard(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.PlayerAdd)
  addPlayer(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'player:add'>) {
    return this.scoreboard.addPlayer(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.PlayerRename)
  renamePlayer(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'player:rename'>) {
    return this.scoreboard.renamePlayer(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.PlayerRemove)
  removePlayer(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'player:remove'>) {
    return this.scoreboard.removePlayer(user, input);
  }

  @SubscribeMessage(ScoreboardCommand.ScoreAdd)
  addScore(@SocketUser() user: User, @MessageBody() input: ScoreboardInput<'score:add'>) {
    return this.scoreboard.addScore(user, input);
  }
}
