import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Namespace, type BoardState, type Player } from '@tandem/contract';
import { DomainEvents } from '../common/domain-events.js';
import { BoardFact, type BoardRecord } from './board-records.js';
import { RankedBoard, type BoardChange } from './ranked-board.js';
import { ScoreboardRepository } from './scoreboard.repository.js';

/**
 * Boards whose ranking is kept; the least recently read beyond this many are dropped. A kept
 * player, with its object and JSON and the board's, holds about 800 bytes: 100 boards of 450
 * players about 35 MB (most boards are far smaller).
 */
const keptBoards = 100;

/**
 * The ranked players of the boards read lately, kept in step with the changes committed through
 * this process (`RankedBoard`), so that a `board:state` or a `board:join` reads one row (the
 * board with its seq) instead of every player, and writes the players' JSON once per seq. A
 * board's ranking is only used when it is as new as the database's seq read with the board:
 * a change committed elsewhere (another process) or one it could not follow makes the next read
 * read the players again.
 */
@Injectable()
export class BoardStates implements OnModuleDestroy {
  private readonly boards = new Map<string, RankedBoard>();
  /** A reset's ranking of the next round, by board: kept once the reset's change is committed (see `afterReset`). */
  private readonly resets = new Map<string, RankedBoard>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly repository: ScoreboardRepository,
    events: DomainEvents,
  ) {
    this.unsubscribe = events.subscribe('change.committed', (change) => {
      if (change.namespace !== Namespace.Scoreboard || change.delivery !== 'latest') return;
      const { boardId } = change.data as { boardId: string };
      const reset = this.resets.get(boardId);
      if (reset && change.seq >= reset.seq) this.resets.delete(boardId);
      const ranked = this.boards.get(boardId);
      if (reset?.seq === change.seq && change.event === BoardFact.BoardReset) this.keep(boardId, reset);
      else if (ranked && change.seq > ranked.seq && !ranked.apply(change as BoardChange)) this.boards.delete(boardId);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe();
  }

  /**
   * The board's kept ranking as it stands (undefined: none kept), for a write of this node to rank
   * its changes with when it is as new as the board its transaction found (see `RankedBoard.movedUpTo`).
   */
  kept(boardId: string): RankedBoard | undefined {
    return this.boards.get(boardId);
  }

  /**
   * The ranking a reset made of the next round, as of the reset's change: kept when that change
   * is committed, instead of the board being read again for the next `board:state` (a reset
   * changes every player, which a ranking cannot follow change by change).
   */
  afterReset(boardId: string, ranked: RankedBoard): void {
    this.resets.set(boardId, ranked);
  }

  /** The board and its ranked players (frozen: their JSON is written once) as of one commit, or later. */
  async read(boardId: string): Promise<{ record: BoardRecord; seq: number; players: Player[] } | null> {
    const read = await this.repository.readRanked(boardId, this.boards.get(boardId));
    if (!read) return null;
    const { record, ranked } = read;
    this.keep(boardId, ranked);
    return { record: { ...record, round: ranked.round }, seq: ranked.seq, players: ranked.rankedPlayers() as Player[] };
  }

  /** Keeps `ranked` unless a newer ranking of the board is kept; the least recently kept beyond `keptBoards` go. */
  private keep(boardId: string, ranked: RankedBoard): void {
    const kept = this.boards.get(boardId);
    if (kept && kept.seq > ranked.seq) return;
    this.boards.delete(boardId);
    this.boards.set(boardId, ranked);
    if (this.boards.size > keptBoards) this.boards.delete(this.boards.keys().next().value!);
  }

  /** What `board:state` carries, as committed now or later; `null` for a board that does not exist. */
  async state(boardId: string): Promise<BoardState | null> {
    const board = await this.read(boardId);
    return board && { boardId, seq: board.seq, round: board.record.round, players: board.players };
  }
}
