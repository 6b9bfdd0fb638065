import { Injectable } from '@nestjs/common';
import {
  Namespace,
  rooms,
  timeOrderedId,
  type ArchivedRound,
  type Board,
  type BoardState,
  type BoardSummary,
  type Player,
  type Visibility,
} from '@tandem/contract';
import { ChangeLogRepository } from '../db/change-log.repository.js';
import {
  DatabaseService,
  type DirectWriteContext,
  type Reader,
  type Transaction,
  type WriteContext,
} from '../db/database.service.js';
import { SqliteStatements, fromSqliteTimestamp, sqliteTimestamp } from '../db/sqlite-statements.js';
import type { Prisma } from '../generated/prisma/client.js';
import { rankPlayers } from './ranking.js';

export interface BoardRecord {
  id: string;
  name: string;
  visibility: Visibility;
  inviteCode: string | null;
  ownerId: string;
  round: number;
  createdAt: Date;
}

export interface PlayerRecord {
  id: string;
  boardId: string;
  name: string;
  userId: string | null;
  score: number;
}

/**
 * What the board's change stream logs. These facts give every change its `seq`, but are never
 * sent as they are: subscribers get coalesced `board:state` broadcasts instead (`delivery:
 * 'latest'`). Dotted names, because they are not wire events.
 */
export const BoardFact = {
  PlayerAdded: 'player.added',
  PlayerRenamed: 'player.renamed',
  PlayerRemoved: 'player.removed',
  ScoreAdded: 'score.added',
  BoardReset: 'board.reset',
} as const;
type BoardFact = (typeof BoardFact)[keyof typeof BoardFact];

/** Best first; inside a tie, whoever reached the score first (the earlier change of the board). */
const standingOrder = [
  { score: 'desc' },
  { scoreChangeSeq: 'asc' },
  { createdAt: 'asc' },
  { id: 'asc' },
] satisfies Prisma.PlayerOrderByWithRelationInput[];

const playerSelect = { id: true, boardId: true, name: true, userId: true, score: true } as const;
/** `playerSelect` in SQL. */
const playerColumns = 'id, boardId, name, userId, score';

function toPlayer(row: PlayerRecord & { rank: number }): Player {
  return {
    id: row.id,
    name: row.name,
    score: row.score,
    rank: row.rank,
    ...(row.userId ? { userId: row.userId } : {}),
  };
}

/** Every Prisma call of the scoreboard; rows become contract types here. */
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
    return {
      id: record.id,
      name: record.name,
      ownerId: record.ownerId,
      visibility: record.visibility,
      round: record.round,
      seq,
      ...(withInviteCode && record.inviteCode ? { inviteCode: record.inviteCode } : {}),
    };
  }

  createBoard(board: {
    name: string;
    visibility: Visibility;
    inviteCode: string | null;
    ownerId: string;
  }): Promise<BoardRecord> {
    return this.database.write(async ({ tx }) => {
      const created = await tx.board.create({ data: { id: timeOrderedId(), ...board } });
      await tx.boardMember.create({ data: { boardId: created.id, userId: board.ownerId } });
      return created as BoardRecord;
    });
  }

  /** Reads take the caller's transaction when they decide a write. */
  async findBoard(boardId: string, db: Reader = this.database.client): Promise<BoardRecord | null> {
    if (db instanceof SqliteStatements) {
      const row = db.get<Omit<BoardRecord, 'createdAt'> & { createdAt: string }>(
        'SELECT id, name, visibility, inviteCode, ownerId, round, createdAt FROM Board WHERE id = ?',
        boardId,
      );
      return row ? { ...row, createdAt: fromSqliteTimestamp(row.createdAt) } : null;
    }
    return (await db.board.findUnique({ where: { id: boardId } })) as BoardRecord | null;
  }

  /** Public boards and the private boards the user is a member of, oldest first. */
  async listBoardsVisibleTo(userId: string): Promise<BoardSummary[]> {
    const records = await this.database.client.board.findMany({
      where: { OR: [{ visibility: 'public' }, { members: { some: { userId } } }] },
      include: {
        members: { where: { userId }, select: { userId: true } },
        _count: { select: { players: { where: { removedAt: null } } } },
      },
      orderBy: { createdAt: 'asc' },
    });
    const seqs = await this.changeLog.currentSeqs(records.map((record) => rooms.board(record.id)));
    return records.map((record) => ({
      ...this.boardFields(record as BoardRecord, seqs.get(rooms.board(record.id)) ?? 0, record.members.length > 0),
      playerCount: record._count.players,
    }));
  }

  async isMember(boardId: string, userId: string, db: Reader = this.database.client): Promise<boolean> {
    if (db instanceof SqliteStatements)
      return db.get('SELECT 1 FROM BoardMember WHERE boardId = ? AND userId = ?', boardId, userId) !== undefined;
    return (await db.boardMember.count({ where: { boardId, userId } })) > 0;
  }

  addMember(boardId: string, userId: string): Promise<void> {
    return this.database.write(async ({ tx }) => {
      await tx.boardMember.upsert({
        where: { boardId_userId: { boardId, userId } },
        create: { boardId, userId },
        update: {},
      });
    });
  }

  /**
   * The board, its seq and its ranked players as of one commit, without waiting for the queue of
   * writes. A transaction, because the SQLite connection is shared (a plain read could see a write
   * that is still open), and a serializable one, so that PostgreSQL reads one snapshot.
   */
  readBoard(boardId: string): Promise<{ record: BoardRecord; seq: number; players: Player[] } | null> {
    return this.database.client.$transaction(
      async (tx) => {
        const record = await this.findBoard(boardId, tx);
        if (!record) return null;
        const seq = await this.changeLog.currentSeq(rooms.board(boardId), tx);
        return { record, seq, players: await this.rankedPlayers(boardId, tx) };
      },
      { isolationLevel: 'Serializable' },
    );
  }

  async readState(boardId: string): Promise<BoardState | null> {
    const board = await this.readBoard(boardId);
    return board && { boardId, seq: board.seq, round: board.record.round, players: board.players };
  }

  /** The board as a write in progress sees it (inside its transaction). */
  async boardInWrite(context: WriteContext, record: BoardRecord): Promise<{ seq: number; players: Player[] }> {
    const seq = await this.changeLog.currentSeq(rooms.board(record.id), context.tx);
    return { seq, players: await this.rankedPlayers(record.id, context.tx) };
  }

  async findActivePlayer(boardId: string, playerId: string, db: Reader): Promise<PlayerRecord | null> {
    if (db instanceof SqliteStatements) {
      return (
        db.get<PlayerRecord>(
          `SELECT ${playerColumns} FROM Player WHERE id = ? AND boardId = ? AND removedAt IS NULL`,
          playerId,
          boardId,
        ) ?? null
      );
    }
    return db.player.findFirst({ where: { id: playerId, boardId, removedAt: null }, select: playerSelect });
  }

  countActivePlayers(boardId: string, db: Transaction): Promise<number> {
    return db.player.count({ where: { boardId, removedAt: null } });
  }

  async hasPlayerFor(boardId: string, userId: string, db: Transaction): Promise<boolean> {
    return (await db.player.count({ where: { boardId, userId, removedAt: null } })) > 0;
  }

  async userExists(userId: string, db: Transaction): Promise<boolean> {
    return (await db.user.count({ where: { id: userId } })) > 0;
  }

  async addPlayer(context: WriteContext, player: { boardId: string; name: string; userId?: string }): Promise<Player> {
    const id = timeOrderedId();
    const { seq } = await this.log(context, player.boardId, BoardFact.PlayerAdded, { playerId: id, name: player.name });
    // A new player reached 0 with this change: behind everyone already at 0.
    const row = await context.tx.player.create({
      data: { id, boardId: player.boardId, name: player.name, userId: player.userId ?? null, scoreChangeSeq: seq },
      select: playerSelect,
    });
    return this.withRank(row, context.tx);
  }

  /**
   * Adds `delta` in the database (`score = score + delta`, in this transaction: nothing is read
   * and written back from here), logs the score event it can be recomputed from, and takes the
   * change's seq as the moment the player reached the new score.
   */
  async addScore(
    context: DirectWriteContext,
    change: { boardId: string; round: number; playerId: string; delta: number; userId: string; opId: string },
  ): Promise<{ player: Player; seq: number }> {
    const { seq } = await this.log(context, change.boardId, BoardFact.ScoreAdded, {
      playerId: change.playerId,
      round: change.round,
      delta: change.delta,
    });
    const now = new Date();
    const { db } = context;
    let row: PlayerRecord;
    if (db instanceof SqliteStatements) {
      const at = sqliteTimestamp(now);
      row = db.get<PlayerRecord>(
        `UPDATE Player SET score = score + ?, scoreChangedAt = ?, scoreChangeSeq = ? WHERE id = ? RETURNING ${playerColumns}`,
        change.delta,
        at,
        seq,
        change.playerId,
      )!;
      db.run(
        'INSERT INTO ScoreEvent (boardId, playerId, round, delta, userId, opId, createdAt) VALUES (?, ?, ?, ?, ?, ?, ?)',
        change.boardId,
        change.playerId,
        change.round,
        change.delta,
        change.userId,
        change.opId,
        at,
      );
    } else {
      row = await db.player.update({
        where: { id: change.playerId },
        data: { score: { increment: change.delta }, scoreChangedAt: now, scoreChangeSeq: seq },
        select: playerSelect,
      });
      await db.scoreEvent.create({ data: { ...change, createdAt: now }, select: { id: true } });
    }
    return { player: await this.withRank(row, db), seq };
  }

  async renamePlayer(
    context: WriteContext,
    player: { boardId: string; playerId: string; name: string },
  ): Promise<Player> {
    await this.log(context, player.boardId, BoardFact.PlayerRenamed, { playerId: player.playerId, name: player.name });
    const row = await context.tx.player.update({
      where: { id: player.playerId },
      data: { name: player.name },
      select: playerSelect,
    });
    return this.withRank(row, context.tx);
  }

  /** Marks the player removed; their score events stay. */
  async removePlayer(context: WriteContext, player: { boardId: string; playerId: string }): Promise<void> {
    await this.log(context, player.boardId, BoardFact.PlayerRemoved, { playerId: player.playerId });
    await context.tx.player.update({ where: { id: player.playerId }, data: { removedAt: new Date() } });
  }

  /** Archives the round's ranked standings, zeroes every player, and starts the next round. */
  async resetBoard(context: WriteContext, record: BoardRecord): Promise<BoardRecord> {
    const { tx } = context;
    const standings = await this.rankedPlayers(record.id, tx);
    const now = new Date();
    const { seq } = await this.log(context, record.id, BoardFact.BoardReset, {
      round: record.round,
      nextRound: record.round + 1,
    });
    await tx.boardRound.create({
      data: { boardId: record.id, round: record.round, standings: JSON.stringify(standings), archivedAt: now },
    });
    // Everyone reaches 0 together: inside that tie, players keep the order they joined in.
    await tx.player.updateMany({
      where: { boardId: record.id, removedAt: null },
      data: { score: 0, scoreChangedAt: now, scoreChangeSeq: seq },
    });
    return (await tx.board.update({ where: { id: record.id }, data: { round: { increment: 1 } } })) as BoardRecord;
  }

  /** Archived rounds, newest first. */
  async history(boardId: string, limit: number): Promise<ArchivedRound[]> {
    const rows = await this.database.client.boardRound.findMany({
      where: { boardId },
      orderBy: { round: 'desc' },
      take: limit,
    });
    return rows.map((row) => ({
      round: row.round,
      archivedAt: row.archivedAt.toISOString(),
      standings: JSON.parse(row.standings) as Player[],
    }));
  }

  private async rankedPlayers(boardId: string, db: Transaction): Promise<Player[]> {
    const rows = await db.player.findMany({
      where: { boardId, removedAt: null },
      orderBy: standingOrder,
      select: playerSelect,
    });
    return rankPlayers(rows).map(toPlayer);
  }

  private async withRank(row: PlayerRecord, db: Reader): Promise<Player> {
    if (db instanceof SqliteStatements) {
      const { higher } = db.get<{ higher: number }>(
        'SELECT COUNT(*) AS higher FROM Player WHERE boardId = ? AND removedAt IS NULL AND score > ?',
        row.boardId,
        row.score,
      )!;
      return toPlayer({ ...row, rank: higher + 1 });
    }
    const higher = await db.player.count({
      where: { boardId: row.boardId, removedAt: null, score: { gt: row.score } },
    });
    return toPlayer({ ...row, rank: higher + 1 });
  }

  private log(context: DirectWriteContext, boardId: string, event: BoardFact, fact: Record<string, unknown>) {
    return this.changeLog.append(context, {
      namespace: Namespace.Scoreboard,
      stream: rooms.board(boardId),
      event,
      data: (seq) => ({ boardId, seq, ...fact }),
      delivery: 'latest',
    });
  }
}
