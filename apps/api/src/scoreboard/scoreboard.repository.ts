import { Injectable } from '@nestjs/common';
import {
  ErrorCode,
  Namespace,
  ScoreboardLimits,
  rooms,
  timeOrderedId,
  type ArchivedRound,
  type Board,
  type BoardState,
  type BoardSummary,
  type Player,
  type User,
} from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import { DatabaseService, type UnitOfWork } from '../db/database.service.js';
import type { VisibleSpace } from '../spaces/spaces.repository.js';
import { toSummary } from '../spaces/spaces.service.js';
import { isoTimestamp, timestamp } from '../db/dialect.js';
import { hasRow } from '../db/has-row.js';
import type { Sql } from '../db/sql.js';
import { BoardFact, toBoardRecord, toPlayer, type BoardRecord, type PlayerRecord } from './board-records.js';
import { RankedBoard, type BoardChange } from './ranked-board.js';
import { archiveRound, roundPlayers, startRound, zeroScores } from './round-reset.queries.js';
import {
  addToScore,
  findActivePlayer,
  findBoard,
  findBoardAndSeq,
  findBoardWithPlayer,
  insertPlayer,
  lastScoreChange,
  leavePlayerPlace,
  playersAbove,
  rankedPlayers,
  recordScoreEvents,
  removeActivePlayer,
  takePlayerPlace,
  updatePlayerName,
  type BoardWithPlayer,
} from './scoreboard.queries.js';

/** Boards, players and scores; rows become contract types here. */
@Injectable()
export class ScoreboardRepository {
  constructor(
    private readonly database: DatabaseService,
    private readonly changeLog: ChangeLogRepository,
  ) {}

  toBoard(record: BoardRecord, state: { seq: number; players: Player[] }, withInviteCode: boolean): Board {
    return { ...this.boardFields(record, state.seq, withInviteCode), players: state.players };
  }

  private boardFields(record: BoardRecord, seq: number, withInviteCode: boolean): Omit<Board, 'players'> {
    const { createdAt: _createdAt, ...space } = toSummary(record, seq, withInviteCode);
    return { ...space, round: record.round };
  }

  /** Reads take the caller's transaction when they decide a write. */
  async findBoard(boardId: string, sql: Sql = this.database.reader): Promise<BoardRecord | null> {
    return ((await sql.first(findBoard({ id: boardId }))) as BoardRecord | undefined) ?? null;
  }

  /** The user's directory of boards (see `SpacesRepository.visibleTo`), with their players counted. */
  async boardList(visible: VisibleSpace[]): Promise<BoardSummary[]> {
    if (visible.length === 0) return [];
    const sql = this.database.reader;
    const ids = visible.map((space) => space.id);
    const boards = await sql.all(
      sql.db.selectFrom('Board').select(['id', 'round', 'playerCount']).where('id', 'in', ids),
    );
    const byId = new Map(boards.map((board) => [board.id, board]));
    return visible.map((space) => ({
      ...this.boardFields({ ...space, round: byId.get(space.id)?.round ?? 1 }, space.seq, space.member),
      playerCount: Number(byId.get(space.id)?.playerCount ?? 0),
    }));
  }

  /** The board, its seq and its ranked players as of one commit, without waiting for the queue of writes. */
  async readBoard(boardId: string): Promise<{ record: BoardRecord; seq: number; players: readonly Player[] } | null> {
    const read = await this.readRanked(boardId);
    return read && { record: read.record, seq: read.ranked.seq, players: read.ranked.rankedPlayers() };
  }

  async readState(boardId: string): Promise<BoardState | null> {
    const read = await this.readRanked(boardId);
    return (
      read && { boardId, seq: read.ranked.seq, round: read.ranked.round, players: [...read.ranked.rankedPlayers()] }
    );
  }

  /**
   * The board as of one commit, and its ranked players: `known` when it is as new as that
   * commit (its seq is the board's, or later: the reader's commit is then older than the last
   * change `known` followed), otherwise read in a snapshot with the board. With `known`, the board
   * and its seq are first read in one statement outside a snapshot: while `known` is current that
   * is the whole read (one statement instead of a snapshot of two and its BEGIN and COMMIT).
   */
  async readRanked(boardId: string, known?: RankedBoard): Promise<{ record: BoardRecord; ranked: RankedBoard } | null> {
    if (known) {
      const found = await this.findBoardAndSeq(boardId, this.database.reader);
      if (!found || known.seq >= found.seq) return found && { record: found.record, ranked: known };
    }
    return this.database.snapshot(async (sql) => {
      const found = await this.findBoardAndSeq(boardId, sql);
      if (!found) return null;
      const { record, seq } = found;
      if (known && known.seq >= seq) return { record, ranked: known };
      return { record, ranked: RankedBoard.from(seq, record.round, await sql.all(rankedPlayers({ id: boardId }))) };
    });
  }

  private async findBoardAndSeq(boardId: string, sql: Sql): Promise<{ record: BoardRecord; seq: number } | null> {
    const row = await sql.first(findBoardAndSeq({ id: boardId, streamKey: rooms.board(boardId) }));
    return row ? { record: toBoardRecord(row), seq: row.seq ?? 0 } : null;
  }

  /** The board (null: none), and its active player of that id (null: none), read with those other works ask for. */
  findBoardWithPlayer(context: UnitOfWork, boardId: string, playerId: string): Promise<BoardWithPlayer> {
    return context.gather(findBoardWithPlayer, { boardId, playerId });
  }

  async findActivePlayer(boardId: string, playerId: string, sql: Sql): Promise<PlayerRecord | null> {
    return (await sql.first(findActivePlayer({ id: playerId, boardId }))) ?? null;
  }

  /** The active player with their rank (null: none), without reading the rest of the board. */
  async findRankedPlayer(boardId: string, playerId: string, sql: Sql): Promise<Player | null> {
    const row = await this.findActivePlayer(boardId, playerId, sql);
    return row && this.withRank(row, sql);
  }

  hasPlayerFor(boardId: string, userId: string, sql: Sql): Promise<boolean> {
    return hasRow(sql, 'Player', { boardId, userId, removedAt: null });
  }

  userExists(userId: string, sql: Sql): Promise<boolean> {
    return hasRow(sql, 'User', { id: userId });
  }

  /**
   * A new player; `CONFLICT`, having written nothing, when the board holds its most players (the
   * place is taken in the database: see `takePlayerPlace`).
   */
  async addPlayer(
    context: UnitOfWork,
    player: { boardId: string; name: string; userId?: string },
    ranked?: RankedBoard,
  ): Promise<Player> {
    const limit = ScoreboardLimits.playersPerBoard;
    if ((await context.sql.run(takePlayerPlace({ id: player.boardId, limit }))) === 0) {
      throw new DomainError(ErrorCode.Conflict, `a board holds at most ${limit} players`);
    }
    const id = timeOrderedId();
    const { seq } = await this.log(context, player.boardId, BoardFact.PlayerAdded, {
      playerId: id,
      name: player.name,
      ...(player.userId !== undefined ? { userId: player.userId } : {}),
    });
    const { boardId, name } = player;
    const row: PlayerRecord = { id, boardId, name, userId: player.userId ?? null, score: 0 };
    const moved = this.movedUpTo(context, player.boardId, seq, ranked);
    const inserted = await context.sql.first(insertPlayer({ counted: !moved }, { ...row, seq, at: timestamp() }));
    return toPlayer(row, moved ? ranked!.rankWith(moved, id, 0) : Number(inserted!.higher) + 1);
  }

  /**
   * Adds `delta` in the database (null, having changed nothing of the player, when the score would
   * leave ±`ScoreboardLimits.maxScore`, or when `expected` is given and is not the score), logs the
   * score event it can be recomputed from, and takes the change's seq as the moment the player
   * reached the new score. The rank comes from `ranked`, the node's kept ranking of the board, when
   * it and the transaction's earlier changes of the board make the board as of this change (see
   * `RankedBoard.movedUpTo`); otherwise the database counts it in the update's `RETURNING`.
   */
  async addScore(
    context: UnitOfWork,
    change: {
      boardId: string;
      round: number;
      playerId: string;
      delta: number;
      userId: string;
      opId: string;
      expected?: number;
    },
    ranked?: RankedBoard,
  ): Promise<{ player: Player; seq: number } | null> {
    const { seq } = await this.log(context, change.boardId, BoardFact.ScoreAdded, {
      playerId: change.playerId,
      round: change.round,
      delta: change.delta,
    });
    const moved = this.movedUpTo(context, change.boardId, seq, ranked);
    const at = timestamp();
    const { sql } = context;
    const { expected } = change;
    const row = await sql.first(
      addToScore(
        { guarded: expected !== undefined, counted: moved === undefined },
        {
          id: change.playerId,
          delta: change.delta,
          at,
          seq,
          max: ScoreboardLimits.maxScore,
          expected: expected ?? 0,
        },
      ),
    );
    if (!row) return null;
    const { boardId, round, playerId, delta, userId, opId } = change;
    context.beforeCommit(recordScoreEvents, { boardId, round, playerId, delta, userId, opId, createdAt: at, seq });
    const rank = moved ? ranked!.rankWith(moved, playerId, row.score) : Number(row.higher) + 1;
    return { player: toPlayer(row, rank), seq };
  }

  /** Who made the player's last score change, and in which round (null: nobody has yet). */
  async lastScoreChange(playerId: string, sql: Sql): Promise<{ round: number; by: User } | null> {
    const row = await sql.first(lastScoreChange({ id: playerId }));
    return row ? { round: row.round, by: { id: row.id, name: row.name } } : null;
  }

  /** The new name; the rank as `addScore` ranks. */
  async renamePlayer(
    context: UnitOfWork,
    player: { boardId: string; playerId: string; name: string },
    ranked?: RankedBoard,
  ): Promise<Player> {
    const { boardId, playerId, name } = player;
    const { seq } = await this.log(context, boardId, BoardFact.PlayerRenamed, { playerId, name });
    const moved = this.movedUpTo(context, boardId, seq, ranked);
    const row = (await context.sql.first(updatePlayerName({ counted: !moved }, { id: playerId, name })))!;
    return toPlayer(row, moved ? ranked!.rankWith(moved, playerId, row.score) : Number(row.higher) + 1);
  }

  /** The moves `ranked` (the node's kept ranking) needs to be the board as of the change `seq` (see `RankedBoard.movedUpTo`). */
  private movedUpTo(context: UnitOfWork, boardId: string, seq: number, ranked?: RankedBoard) {
    return ranked?.movedUpTo(context.published(rooms.board(boardId)) as readonly BoardChange[], seq);
  }

  /** Marks the player removed; their score events stay. */
  async removePlayer(context: UnitOfWork, player: { boardId: string; playerId: string }): Promise<void> {
    await this.log(context, player.boardId, BoardFact.PlayerRemoved, { playerId: player.playerId });
    const { sql } = context;
    if (await sql.run(removeActivePlayer({ id: player.playerId, removedAt: timestamp() })))
      await sql.run(leavePlayerPlace({ id: player.boardId }));
  }

  /**
   * Archives the round's ranked standings, zeroes every player, and starts the next round: the
   * board as it then stands, and its ranking as of the reset's change (see `RankedBoard.reset`;
   * `known`: the board's kept ranking, whose players' JSON it reuses), from one read of the players.
   */
  async resetBoard(
    context: UnitOfWork,
    record: BoardRecord,
    known?: RankedBoard,
  ): Promise<{ record: BoardRecord; ranked: RankedBoard }> {
    const { sql } = context;
    const now = timestamp();
    const round = record.round + 1;
    const { seq } = await this.log(context, record.id, BoardFact.BoardReset, { round: record.round, nextRound: round });
    const { standings, next } = RankedBoard.reset(await sql.all(roundPlayers({ id: record.id })), seq, round, known);
    await sql.run(archiveRound({ boardId: record.id, round: record.round, standings, archivedAt: now }));
    await sql.run(zeroScores({ boardId: record.id, at: now, seq }));
    await sql.run(startRound({ id: record.id, round }));
    return { record: { ...record, round }, ranked: next };
  }

  /** Archived rounds, newest first. */
  async history(boardId: string, limit: number): Promise<ArchivedRound[]> {
    const sql = this.database.reader;
    const rows = await sql.all(
      sql.db.selectFrom('BoardRound').selectAll().where('boardId', '=', boardId).orderBy('round', 'desc').limit(limit),
    );
    return rows.map((row) => ({
      round: row.round,
      archivedAt: isoTimestamp(row.archivedAt),
      standings: JSON.parse(row.standings) as Player[],
    }));
  }

  private async withRank(row: PlayerRecord, sql: Sql): Promise<Player> {
    const { higher } = (await sql.first(playersAbove({ boardId: row.boardId, score: row.score })))!;
    return toPlayer(row, Number(higher) + 1);
  }

  private log(context: UnitOfWork, boardId: string, event: BoardFact, fact: Record<string, unknown>) {
    return this.changeLog.append(context, {
      namespace: Namespace.Scoreboard,
      stream: rooms.board(boardId),
      event,
      data: (seq) => ({ boardId, seq, ...fact }),
      delivery: 'latest',
    });
  }
}
