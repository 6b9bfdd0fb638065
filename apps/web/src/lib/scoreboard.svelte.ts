import {
  boardsShown,
  projectPlayers,
  type PendingScore,
  type ScoreboardFeature,
  type ScoreboardState,
} from '@tandem/client';
import type { Board, BoardSummary, Namespace, Player } from '@tandem/contract';
import { SpaceBinding } from './spaces.svelte.js';
import { UndoBinding } from './undo.svelte.js';

export type { PendingScore } from '@tandem/client';

/**
 * The `/scoreboard` feature of the client core as the views see it: the board list, the open
 * board with this user's unconfirmed score changes applied, its history. Lives for the whole
 * session: a score change made offline is sent on reconnecting, whatever view is shown then.
 */
export class ScoreboardManager extends SpaceBinding<
  typeof Namespace.Scoreboard,
  ScoreboardState,
  BoardSummary,
  ScoreboardFeature
> {
  readonly kind = 'board';
  readonly currentId: string | null = $derived(this.state.currentBoardId);
  readonly space: Board | null = $derived(this.state.board);
  readonly syncing: boolean = $derived(this.state.joining);
  /** This user's unconfirmed score changes, on every board. */
  readonly pending: PendingScore[] = $derived.by(() => {
    void this.state;
    return this.feature.pending(this.entries.current);
  });
  /** Those of the open board. */
  readonly pendingHere: PendingScore[] = $derived(this.pending.filter((entry) => entry.boardId === this.space?.id));
  /** The open board's players, ranked, with this user's unconfirmed changes applied. */
  readonly players: Player[] = $derived(this.space ? projectPlayers(this.space.players, this.pendingHere) : []);
  /** The board list, with the open board's entry live (its player count included). */
  readonly sidebarEntries: BoardSummary[] = $derived(boardsShown(this.state.boards, this.space));
  /** What Undo and Redo offer on the open board. */
  readonly undoable = new UndoBinding(
    () => this.feature.undoable,
    () => this.state,
  );

  create(name: string, isPrivate: boolean): Promise<boolean> {
    return this.feature.createBoard(name, isPrivate);
  }
  open(boardId: string, inviteCode?: string): Promise<boolean> {
    return this.feature.open(boardId, inviteCode);
  }
  joinByPin(pin: string): Promise<boolean> {
    return this.feature.pins.join(pin);
  }
  rotatePin(): Promise<boolean> {
    return this.feature.pins.rotate();
  }
  loadHistory(): Promise<void> {
    return this.feature.loadHistory();
  }
  resetRound(): Promise<boolean> {
    return this.feature.resetRound();
  }
  addPlayer(name: string, isMe = false): Promise<boolean> {
    return this.feature.players.add(name, isMe);
  }
  renamePlayer(playerId: string, name: string): Promise<boolean> {
    return this.feature.players.rename(playerId, name);
  }
  removePlayer(playerId: string): Promise<boolean> {
    return this.feature.players.remove(playerId);
  }
  /** Shown at once; sent now, or when the connection is back. A refusal rolls it back. */
  addScore(playerId: string, delta: number): void {
    this.feature.addScore(playerId, delta);
  }
}
