import { Logger, type OnModuleDestroy } from '@nestjs/common';
import { MessageBody, SubscribeMessage, WebSocketServer } from '@nestjs/websockets';
import {
  Namespace,
  ScoreboardBroadcast,
  ScoreboardCommand,
  ScoreboardLimits,
  rooms,
  type BoardState,
  type ScoreboardClientEvents,
  type ScoreboardInput,
  type ScoreboardServerEvents,
  type User,
} from '@tandem/contract';
import type { Namespace as IoNamespace } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { CommandGateway } from '../common/command-gateway.decorator.js';
import { DomainEvents } from '../common/domain-events.js';
import { SocketUser, type SocketData } from '../common/socket-user.decorator.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { JoinableSpaceGateway } from '../spaces/space.gateway.js';
import { SpaceKinds } from '../space-kinds.js';
import { BoardStateCoalescer } from './board-state.coalescer.js';
import { ScoreboardService } from './scoreboard.service.js';

type ScoreboardNamespace = IoNamespace<
  ScoreboardClientEvents,
  ScoreboardServerEvents,
  Record<string, never>,
  SocketData
>;

/**
 * `/scoreboard`: calls the service and sends `board:state`; creating, listing, joining and leaving
 * a board are a joinable space's (see `JoinableSpaceGateway`). Board changes are logged with
 * `delivery: 'latest'`, so the generic broadcaster leaves them alone; each commit only tells the
 * coalescer which board changed, and it sends that board's state at most once per interval, read
 * from the database after the commit.
 */
@CommandGateway(Namespace.Scoreboard)
export class ScoreboardGateway
  extends JoinableSpaceGateway(SpaceKinds.board, {
    create: ScoreboardCommand.BoardCreate,
    list: ScoreboardCommand.BoardList,
    join: ScoreboardCommand.BoardJoin,
    leave: ScoreboardCommand.BoardLeave,
  })
  implements OnModuleDestroy
{
  @WebSocketServer() private readonly server!: ScoreboardNamespace;
  private readonly logger = new Logger('Scoreboard');
  private readonly states: BoardStateCoalescer<BoardState>;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly scoreboard: ScoreboardService,
    broadcaster: Broadcaster,
    events: DomainEvents,
    metrics: MetricsService,
  ) {
    super(broadcaster, {
      create: (user, input: ScoreboardInput<'board:create'>) => scoreboard.createBoard(user, input),
      list: (user) => scoreboard.listBoards(user),
      join: (user, input: ScoreboardInput<'board:join'>, subscribe) => scoreboard.joinBoard(user, input, subscribe),
    });
    this.states = new BoardStateCoalescer<BoardState>({
      intervalMs: ScoreboardLimits.stateIntervalMs,
      read: (boardId) => this.scoreboard.boardState(boardId),
      send: (boardId, state, delivery) => {
        const room = this.server.to(rooms.board(boardId));
        (delivery === 'volatile' ? room.volatile : room).emit(ScoreboardBroadcast.BoardState, state);
        metrics.countBroadcast(Namespace.Scoreboard);
      },
      onError: (boardId, error) => this.logger.error(`board:state of ${boardId} failed: ${String(error)}`),
    });
    this.unsubscribe = events.subscribe('change.committed', (change) => {
      if (change.namespace !== Namespace.Scoreboard || change.delivery !== 'latest') return;
      this.states.notify(change.stream.slice(rooms.board('').length));
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
    this.states.close();
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
