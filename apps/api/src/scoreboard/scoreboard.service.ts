import { Injectable } from '@nestjs/common';
import {
  ErrorCode,
  ScoreboardCommand,
  ScoreboardLimits,
  type Board,
  type Player,
  type BoardState,
  type ScoreboardCommandResults,
  type ScoreboardInput,
  type ScoreConflictDetails,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { UnitOfWork } from '../db/database.service.js';
import type { Sql } from '../db/sql.js';
import { UnitsOfWork } from '../db/units-of-work.js';
import type { BoardRecord, PlayerRecord } from './board-records.js';
import { BoardStates } from './board-states.js';
import { ScoreboardRepository } from './scoreboard.repository.js';
import { SpaceKinds } from '../space-kinds.js';
import { SpacesRepository } from '../spaces/spaces.repository.js';
import { SpacesService } from '../spaces/spaces.service.js';

/**
 * The scoreboard's rules. A public board is open to any signed-in user who knows its id; a
 * private one to its members (joining with the invite code makes one). Resetting a board and
 * renaming or removing players is for its owner.
 */
@Injectable()
export class ScoreboardService {
  constructor(
    private readonly boards: ScoreboardRepository,
    private readonly writes: UnitsOfWork,
    private readonly spaces: SpacesService,
    private readonly spaceRecords: SpacesRepository,
    private readonly states: BoardStates,
  ) {}

  async createBoard(
    user: User,
    input: ScoreboardInput<'board:create'>,
  ): Promise<ScoreboardCommandResults['board:create']> {
    const record = await this.spaces.create(SpaceKinds.board, user, input);
    return { board: await this.withPin(this.boards.toBoard({ ...record, round: 1 }, { seq: 0, players: [] }, true)) };
  }

  async listBoards(user: User): Promise<ScoreboardCommandResults['board:list']> {
    return { boards: await this.boards.boardList(await this.spaceRecords.visibleTo(SpaceKinds.board, user.id)) };
  }

  /**
   * Makes the user a member (a private board needs its invite code), then calls `subscribe` so
   * the socket hears `board:state`, and only then reads the snapshot: a state committed in
   * between reaches the client either way (it keeps the highest `seq`).
   */
  async joinBoard(
    user: User,
    input: ScoreboardInput<'board:join'>,
    subscribe: () => void,
  ): Promise<ScoreboardCommandResults['board:join']> {
    await this.spaces.join(SpaceKinds.board, user, input.boardId, input.inviteCode);
    subscribe();
    const board = await this.states.read(input.boardId);
    if (!board) throw DomainError.notFound('board');
    return { board: await this.withPin(this.boards.toBoard(board.record, board, true)) };
  }

  /** Owner only: a new PIN; the old one stops working. */
  async rotatePin(
    user: User,
    input: ScoreboardInput<'board:pin:rotate'>,
  ): Promise<ScoreboardCommandResults['board:pin:rotate']> {
    return { boardId: input.boardId, pin: await this.spaces.rotatePin(SpaceKinds.board, user, input.boardId) };
  }

  /** Makes the user a member of the board the PIN opens; the client then joins it by id. */
  async joinByPin(
    user: User,
    input: ScoreboardInput<'board:pin:join'>,
  ): Promise<ScoreboardCommandResults['board:pin:join']> {
    return { boardId: (await this.spaces.joinByPin(SpaceKinds.board, user, input.pin)).id };
  }

  async history(
    user: User,
    input: ScoreboardInput<'board:history'>,
  ): Promise<ScoreboardCommandResults['board:history']> {
    await this.requireAccess(user, input.boardId);
    return { rounds: await this.boards.history(input.boardId, ScoreboardLimits.historyRounds) };
  }

  /** The state `board:state` carries, as committed now; `null` for a board that does not exist. */
  boardState(boardId: string): Promise<BoardState | null> {
    return this.states.state(boardId);
  }

  addPlayer(user: User, input: ScoreboardInput<'player:add'>): Promise<ScoreboardCommandResults['player:add']> {
    return this.writes.once(user.id, input.opId, ScoreboardCommand.PlayerAdd, async (context) => {
      await this.requireAccess(user, input.boardId, context.sql);
      if (input.userId !== undefined) {
        if (!(await this.boards.userExists(input.userId, context.sql))) throw DomainError.notFound('user');
        if (await this.boards.hasPlayerFor(input.boardId, input.userId, context.sql)) {
          throw new DomainError(ErrorCode.Conflict, 'this user already has a player on the board');
        }
      }
      return { player: await this.boards.addPlayer(context, input, this.states.kept(input.boardId)) };
    });
  }

  /**
   * Adds to the player's score. With `expected` (an undo, or a redo), only while the board is in
   * that round and the player at that score: otherwise `CONFLICT` naming who changed it, and
   * nothing is added.
   */
  addScore(user: User, input: ScoreboardInput<'score:add'>): Promise<ScoreboardCommandResults['score:add']> {
    // Its checks are reads and the addition is the database's: safe beside other works of its transaction.
    const add = (context: UnitOfWork) => this.applyScore(context, user, input);
    return this.writes.once(user.id, input.opId, ScoreboardCommand.ScoreAdd, add, { overlaps: true });
  }

  private async applyScore(
    context: UnitOfWork,
    user: User,
    input: ScoreboardInput<'score:add'>,
  ): Promise<ScoreboardCommandResults['score:add']> {
    const { board, player } = await this.requireBoardPlayer(user, input, context);
    const { expected } = input;
    const isExpected = (score: number) =>
      expected === undefined || (expected.round === board.round && expected.score === score);
    const outOfBounds = () =>
      new DomainError(ErrorCode.Conflict, `a score stays within ±${ScoreboardLimits.maxScore}`, {
        score: player.score,
      });
    if (!isExpected(player.score)) throw await this.scoreConflict(board, player.id, context.sql);
    if (Math.abs(player.score + input.delta) > ScoreboardLimits.maxScore) throw outOfBounds();
    // The addition is the database's, bounded there too (another write of the transaction may have come first).
    // One literal, `expected` undefined when not given: a spread in it made V8 define each property through the runtime.
    const added = await this.boards.addScore(
      context,
      {
        boardId: board.id,
        round: board.round,
        playerId: player.id,
        delta: input.delta,
        userId: user.id,
        opId: input.opId,
        expected: expected?.score,
      },
      this.states.kept(board.id),
    );
    if (!added) {
      const now = await this.requirePlayer(input.boardId, input.playerId, context.sql);
      throw isExpected(now.score) ? outOfBounds() : await this.scoreConflict(board, player.id, context.sql);
    }
    return { ...added, round: board.round };
  }

  /** The player's score is not the one a guarded `score:add` expected: who changed it, and to what. */
  private async scoreConflict(board: BoardRecord, playerId: string, sql: Sql): Promise<DomainError> {
    const current = await this.boards.findRankedPlayer(board.id, playerId, sql);
    if (!current) return DomainError.notFound('player');
    const last = await this.boards.lastScoreChange(playerId, sql);
    const changedBy = last?.round === board.round ? last.by : undefined;
    const message = changedBy
      ? `${current.name}'s score was changed by ${changedBy.name}: it is ${current.score} now`
      : `the board was reset: round ${board.round} is being played`;
    return new DomainError(ErrorCode.Conflict, message, {
      current,
      round: board.round,
      ...(changedBy ? { changedBy } : {}),
    } satisfies ScoreConflictDetails);
  }

  renamePlayer(
    user: User,
    input: ScoreboardInput<'player:rename'>,
  ): Promise<ScoreboardCommandResults['player:rename']> {
    return this.playerWrite(user, input, ScoreboardCommand.PlayerRename, 'rename players', async (context) => ({
      player: await this.boards.renamePlayer(context, input, this.states.kept(input.boardId)),
    }));
  }

  removePlayer(
    user: User,
    input: ScoreboardInput<'player:remove'>,
  ): Promise<ScoreboardCommandResults['player:remove']> {
    return this.playerWrite(user, input, ScoreboardCommand.PlayerRemove, 'remove players', async (context) => {
      await this.boards.removePlayer(context, input);
      return { boardId: input.boardId, playerId: input.playerId };
    });
  }

  /** An owner's change to one player of the board, under its opId. */
  private playerWrite<T>(
    user: User,
    input: { opId: string; boardId: string; playerId: string },
    command: ScoreboardCommand,
    action: string,
    work: (context: UnitOfWork) => Promise<T>,
  ): Promise<T> {
    return this.writes.once(user.id, input.opId, command, async (context) => {
      await this.requireBoardPlayer(user, input, context, action);
      return work(context);
    });
  }

  /** Archives the round's standings and starts the next round with every score at zero. */
  resetBoard(user: User, input: ScoreboardInput<'board:reset'>): Promise<ScoreboardCommandResults['board:reset']> {
    return this.writes.once(user.id, input.opId, ScoreboardCommand.BoardReset, async (context) => {
      const found = await this.requireAccess(user, input.boardId, context.sql);
      const record = this.spaces.requireOwner(SpaceKinds.board, found, user, 'reset the board');
      const { record: next, ranked } = await this.boards.resetBoard(context, record, this.states.kept(record.id));
      this.states.afterReset(next.id, ranked);
      const players = ranked.rankedPlayers() as Player[];
      const board = this.boards.toBoard(next, { seq: ranked.seq, players }, true);
      return { board: await this.withPin(board, context.sql) };
    });
  }

  /** The board with its PIN, for those who see the board whole (they may hand the PIN on). */
  private async withPin(board: Board, sql?: Sql): Promise<Board> {
    const pin = await this.spaces.pinOf(SpaceKinds.board, board.id, sql);
    return pin ? { ...board, pin } : board;
  }

  private async requireBoard(boardId: string, sql?: Sql): Promise<BoardRecord> {
    const record = await this.boards.findBoard(boardId, sql);
    if (!record) throw DomainError.notFound('board');
    return record;
  }

  /** A public board, or a private one the user is a member of. */
  private async requireAccess(user: User, boardId: string, sql?: Sql): Promise<BoardRecord> {
    return this.spaces.requireAccess(SpaceKinds.board, user, await this.requireBoard(boardId, sql), sql);
  }

  /**
   * The board (`NOT_FOUND`), the user's access to it (`FORBIDDEN`), with `ownerAction` its owner
   * too, then its active player (`NOT_FOUND`): the board and the player in one read.
   */
  private async requireBoardPlayer(
    user: User,
    input: { boardId: string; playerId: string },
    context: UnitOfWork,
    ownerAction?: string,
  ): Promise<{ board: BoardRecord; player: PlayerRecord }> {
    const found = await this.boards.findBoardWithPlayer(context, input.boardId, input.playerId);
    if (!found) throw DomainError.notFound('board');
    const board = await this.spaces.requireAccess(SpaceKinds.board, user, found.board, context.sql);
    if (ownerAction !== undefined) this.spaces.requireOwner(SpaceKinds.board, board, user, ownerAction);
    if (!found.player) throw DomainError.notFound('player');
    return { board, player: found.player };
  }

  private async requirePlayer(boardId: string, playerId: string, sql: Sql): Promise<PlayerRecord> {
    const player = await this.boards.findActivePlayer(boardId, playerId, sql);
    if (!player) throw DomainError.notFound('player');
    return player;
  }
}
