import { Injectable } from '@nestjs/common';
import {
  DirectoryChange,
  ErrorCode,
  ScoreboardCommand,
  ScoreboardLimits,
  type BoardState,
  type ScoreboardCommandResults,
  type ScoreboardInput,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import type { Sql } from '../db/sql.js';
import { UnitsOfWork } from '../db/units-of-work.js';
import type { BoardRecord, PlayerRecord } from './board-records.js';
import { ScoreboardRepository } from './scoreboard.repository.js';
import { inviteCodeFor } from '../common/invite-code.js';
import { SpaceKinds } from '../spaces/space-kinds.js';
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
  ) {}

  async createBoard(
    user: User,
    input: ScoreboardInput<'board:create'>,
  ): Promise<ScoreboardCommandResults['board:create']> {
    const visibility = input.visibility ?? 'public';
    const inviteCode = inviteCodeFor(visibility);
    const record = await this.writes.write((context) =>
      this.boards.createBoard(context, { name: input.name, visibility, inviteCode, ownerId: user.id }),
    );
    await this.spaces.announce(SpaceKinds.board, DirectoryChange.Created, record, 0);
    return { board: this.boards.toBoard(record, { seq: 0, players: [] }, true) };
  }

  async listBoards(user: User): Promise<ScoreboardCommandResults['board:list']> {
    return { boards: await this.boards.listBoardsVisibleTo(user.id) };
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
    const record = await this.requireBoard(input.boardId);
    const isMember = await this.boards.isMember(record.id, user.id);
    if (!isMember && record.visibility === 'private' && input.inviteCode !== record.inviteCode) {
      throw DomainError.forbidden('this board is private: a valid invite code is needed to join');
    }
    if (!isMember) await this.writes.write((context) => this.boards.addMember(context, record.id, user.id));
    subscribe();
    const board = await this.boards.readBoard(record.id);
    if (!board) throw DomainError.notFound('board');
    return { board: this.boards.toBoard(board.record, board, true) };
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
    return this.boards.readState(boardId);
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
      if ((await this.boards.countActivePlayers(input.boardId, context.sql)) >= ScoreboardLimits.playersPerBoard) {
        throw new DomainError(ErrorCode.Conflict, `a board holds at most ${ScoreboardLimits.playersPerBoard} players`);
      }
      return { player: await this.boards.addPlayer(context, input) };
    });
  }

  addScore(user: User, input: ScoreboardInput<'score:add'>): Promise<ScoreboardCommandResults['score:add']> {
    return this.writes.once(
      user.id,
      input.opId,
      ScoreboardCommand.ScoreAdd,
      async (context) => {
        const board = await this.requireAccess(user, input.boardId, context.sql);
        const player = await this.requirePlayer(input.boardId, input.playerId, context.sql);
        const outOfBounds = () =>
          new DomainError(ErrorCode.Conflict, `a score stays within ±${ScoreboardLimits.maxScore}`, {
            score: player.score,
          });
        if (Math.abs(player.score + input.delta) > ScoreboardLimits.maxScore) throw outOfBounds();
        // The addition is the database's, bounded there too (another write of the transaction may have come first).
        const added = await this.boards.addScore(context, {
          boardId: board.id,
          round: board.round,
          playerId: player.id,
          delta: input.delta,
          userId: user.id,
          opId: input.opId,
        });
        if (!added) throw outOfBounds();
        return added;
      },
      { overlaps: true },
    );
  }

  renamePlayer(
    user: User,
    input: ScoreboardInput<'player:rename'>,
  ): Promise<ScoreboardCommandResults['player:rename']> {
    return this.writes.once(user.id, input.opId, ScoreboardCommand.PlayerRename, async (context) => {
      this.requireOwner(user, await this.requireAccess(user, input.boardId, context.sql), 'rename players');
      await this.requirePlayer(input.boardId, input.playerId, context.sql);
      return { player: await this.boards.renamePlayer(context, input) };
    });
  }

  removePlayer(
    user: User,
    input: ScoreboardInput<'player:remove'>,
  ): Promise<ScoreboardCommandResults['player:remove']> {
    return this.writes.once(user.id, input.opId, ScoreboardCommand.PlayerRemove, async (context) => {
      this.requireOwner(user, await this.requireAccess(user, input.boardId, context.sql), 'remove players');
      await this.requirePlayer(input.boardId, input.playerId, context.sql);
      await this.boards.removePlayer(context, input);
      return { boardId: input.boardId, playerId: input.playerId };
    });
  }

  /** Archives the round's standings and starts the next round with every score at zero. */
  resetBoard(user: User, input: ScoreboardInput<'board:reset'>): Promise<ScoreboardCommandResults['board:reset']> {
    return this.writes.once(user.id, input.opId, ScoreboardCommand.BoardReset, async (context) => {
      const record = this.requireOwner(
        user,
        await this.requireAccess(user, input.boardId, context.sql),
        'reset the board',
      );
      const next = await this.boards.resetBoard(context, record);
      return { board: this.boards.toBoard(next, await this.boards.boardIn(context.sql, next), true) };
    });
  }

  private async requireBoard(boardId: string, sql?: Sql): Promise<BoardRecord> {
    const record = await this.boards.findBoard(boardId, sql);
    if (!record) throw DomainError.notFound('board');
    return record;
  }

  /** A public board, or a private one the user is a member of. */
  private async requireAccess(user: User, boardId: string, sql?: Sql): Promise<BoardRecord> {
    const record = await this.requireBoard(boardId, sql);
    if (record.visibility === 'private' && !(await this.boards.isMember(record.id, user.id, sql))) {
      throw DomainError.forbidden('this board is private: join it with its invite code first');
    }
    return record;
  }

  private requireOwner(user: User, record: BoardRecord, what: string): BoardRecord {
    if (record.ownerId !== user.id) throw DomainError.forbidden(`only the board's owner may ${what}`);
    return record;
  }

  private async requirePlayer(boardId: string, playerId: string, sql: Sql): Promise<PlayerRecord> {
    const player = await this.boards.findActivePlayer(boardId, playerId, sql);
    if (!player) throw DomainError.notFound('player');
    return player;
  }
}
