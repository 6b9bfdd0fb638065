import {
  boardsShown,
  projectPlayers,
  type OutboxEntry,
  type PendingScore,
  type ScoreboardFeature,
  type ScoreboardState,
  type Store,
  type UndoDirection,
  type UndoOffers,
} from '@tandem/client';
import type { ArchivedRound, Board, BoardSummary, Namespace, Player } from '@tandem/contract';
import { FeatureBinding } from './binding.svelte.js';
import { followRoute } from './sections.svelte.js';

export type { PendingScore } from '@tandem/client';

/**
 * The `/scoreboard` feature of the client core as the views see it: the board list, the open
 * board with this user's unconfirmed score changes applied, its history. Lives for the whole
 * session: a score change made offline is sent on reconnecting, whatever view is shown then.
 */
export class ScoreboardManager extends FeatureBinding<typeof Namespace.Scoreboard, ScoreboardState> {
  /** This user's unconfirmed score changes, on every board. */
  readonly pending: PendingScore[] = $derived.by(() => {
    void this.view.current;
    return this.scoreboard.pending(this.entries.current);
  });
  /** Those of the open board. */
  readonly pendingHere: PendingScore[] = $derived(this.pending.filter((entry) => entry.boardId === this.board?.id));
  /** The open board's players, ranked, with this user's unconfirmed changes applied. */
  readonly players: Player[] = $derived(this.board ? projectPlayers(this.board.players, this.pendingHere) : []);
  /** The board list, with the open board's entry live (its player count included). */
  readonly sidebarBoards: BoardSummary[] = $derived(boardsShown(this.view.current.boards, this.board));
  /** What Undo and Redo offer on the open board. */
  readonly undoOffers: UndoOffers = $derived.by(() => this.scoreboard.undoable.offers(this.view.current));

  constructor(
    private readonly scoreboard: ScoreboardFeature,
    outboxEntries: Store<readonly OutboxEntry[]>,
  ) {
    super(scoreboard, outboxEntries);
  }

  get boards(): BoardSummary[] {
    return this.view.current.boards;
  }
  get catalogLoading(): boolean {
    return this.view.current.catalogLoading;
  }
  get currentBoardId(): string | null {
    return this.view.current.currentBoardId;
  }
  get board(): Board | null {
    return this.view.current.board;
  }
  get joining(): boolean {
    return this.view.current.joining;
  }
  get history(): ArchivedRound[] | null {
    return this.view.current.history;
  }
  get historyLoading(): boolean {
    return this.view.current.historyLoading;
  }
  get isOwner(): boolean {
    return this.board?.ownerId === this.me.id;
  }

  createBoard(name: string, isPrivate: boolean): Promise<boolean> {
    return this.scoreboard.createBoard(name, isPrivate);
  }
  open(boardId: string, inviteCode?: string): Promise<boolean> {
    return this.scoreboard.open(boardId, inviteCode);
  }
  joinByPin(pin: string): Promise<boolean> {
    return this.scoreboard.pins.join(pin);
  }
  rotatePin(): Promise<boolean> {
    return this.scoreboard.pins.rotate();
  }
  loadHistory(): Promise<void> {
    return this.scoreboard.loadHistory();
  }
  resetRound(): Promise<boolean> {
    return this.scoreboard.resetRound();
  }
  addPlayer(name: string, isMe = false): Promise<boolean> {
    return this.scoreboard.players.add(name, isMe);
  }
  renamePlayer(playerId: string, name: string): Promise<boolean> {
    return this.scoreboard.players.rename(playerId, name);
  }
  removePlayer(playerId: string): Promise<boolean> {
    return this.scoreboard.players.remove(playerId);
  }
  /** Shown at once; sent now, or when the connection is back. A refusal rolls it back. */
  addScore(playerId: string, delta: number): void {
    this.scoreboard.addScore(playerId, delta);
  }

  /** Undoes (or redoes) this user's last score change on the open board, as a new command the server checks. */
  step(direction: UndoDirection): void {
    this.scoreboard.undoable.take(direction);
  }
}

/** Keeps the address and the open board in step while a board view is shown (see `followRoute`). */
export function followBoardRoute(scoreboard: () => ScoreboardManager): void {
  followRoute({
    view: 'scoreboard',
    currentId: () => scoreboard().currentBoardId,
    online: () => scoreboard().connection === 'connected',
    open: (id, code) => scoreboard().open(id, code),
  });
}
