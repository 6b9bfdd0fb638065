import {
  DirectoryChange,
  ScoreboardBroadcast,
  ScoreboardCommand,
  type Board,
  type BoardState,
  type DirectoryChanged,
  type Namespace,
  type Player,
  type ScoreboardCommandResults,
} from '@tandem/contract';
import type { Connection } from '../connection.js';
import { Feature, newOpId, type FeatureContext, type JoinResult } from '../feature.js';
import type { OutboxEntry } from '../outbox-entry.js';
import { BoardPins } from './pins.js';
import { BoardPlayers } from './players.js';
import {
  adoptBoard,
  applyBoardState,
  boardsDirectory,
  restoreBoards,
  type ScoreboardLastSeen,
  projectPlayers,
  stillAwaited,
  summarize,
  type PendingScore,
  type ScoreboardState,
} from './board.js';

export type { ScoreboardLastSeen, ScoreboardState } from './board.js';
import { emptyHistory } from '../undo-history.js';
import { pendingArgs, ScoreUndo, signed, type ScoreArgs } from './undo.js';

type ScoreboardNamespace = typeof Namespace.Scoreboard;

const scoreAdd = 'score:add';

/**
 * The `/scoreboard` feature: the board list, the open board kept current by `board:state`
 * broadcasts, its round history, and score changes, which go through the outbox: shown at once,
 * sent in order whatever view is shown, rolled back when refused.
 *
 * Consistency rule: `board:state` carries the whole board with its `seq`; a state whose `seq` is
 * below the one held is stale and ignored. While a join is in flight, the newest state is held
 * and wins over the join's answer if its `seq` is higher.
 */
export class ScoreboardFeature extends Feature<ScoreboardNamespace, ScoreboardState> {
  private held: BoardState | null = null;
  /** Adding, renaming and removing the open board's players. */
  readonly players = new BoardPlayers(this);
  /** Joining by PIN and rotating the open board's PIN. */
  readonly pins = new BoardPins(this);
  /** Undo and redo of this user's score changes on the open board. */
  readonly undoable = new ScoreUndo(this, (args) => this.queueScore(args));

  constructor(connection: Connection<ScoreboardNamespace>, context: FeatureContext) {
    super(
      connection,
      context,
      {
        boards: [],
        catalogLoading: false,
        currentBoardId: null,
        board: null,
        joining: false,
        history: null,
        historyLoading: false,
        awaiting: [],
        undoHistory: emptyHistory(),
      },
      'board',
    );
    this.outbox.handle(connection.namespace, {
      canSend: () => connection.canSend(),
      send: (entry) => {
        const { step: _step, ...args } = entry.args as ScoreArgs;
        return connection.send(ScoreboardCommand.ScoreAdd, { opId: entry.opId, ...args });
      },
      acknowledged: (entry, data) => {
        const [args, added] = [entry.args as ScoreArgs, data as ScoreboardCommandResults['score:add']];
        const awaited: PendingScore = { opId: entry.opId, ...pendingArgs(args), status: 'sent', seq: added.seq };
        this.update((state) => ({ ...state, awaiting: stillAwaited([...state.awaiting, awaited], state.board) }));
        this.undoable.acknowledged(args, added);
      },
      refused: (entry, error) => {
        const { playerId, delta, step } = entry.args as ScoreArgs;
        const player = this.state.get().board?.players.find((shown) => shown.id === playerId);
        if (step) this.undoable.refused(step, error, player);
        else
          this.notify('error', `Could not add ${signed(delta)} to ${player?.name ?? 'the player'}: ${error.message}`);
        return 'drop';
      },
    });
  }

  /** Every unconfirmed score change, queued or awaiting the board, on any board. */
  pending(entries: readonly OutboxEntry[] = this.outbox.entries.get()): PendingScore[] {
    const queued = entries
      .filter((entry) => entry.namespace === this.namespace && entry.name === scoreAdd)
      .map((entry) => ({
        opId: entry.opId,
        ...pendingArgs(entry.args as ScoreArgs),
        status: entry.status === 'sending' ? ('sending' as const) : ('queued' as const),
      }));
    return [...this.state.get().awaiting, ...queued];
  }

  /** The open board's players, ranked, with this user's unconfirmed changes applied. */
  ranked(entries: readonly OutboxEntry[] = this.outbox.entries.get()): Player[] {
    const { board } = this.state.get();
    if (!board) return [];
    return projectPlayers(
      board.players,
      this.pending(entries).filter((entry) => entry.boardId === board.id),
    );
  }

  protected override subscribe(): void {
    this.connection.socket.on(ScoreboardBroadcast.BoardState, (state) => this.onState(state));
  }

  // ---- boards -------------------------------------------------------------------------------

  refreshCatalog(quiet = false): Promise<void> {
    return this.loadCatalog(
      quiet,
      'the boards',
      () => this.connection.send(ScoreboardCommand.BoardList, {}),
      (data) => this.patch({ boards: data.boards }),
      (catalogLoading) => this.patch({ catalogLoading }),
    );
  }

  async createBoard(name: string, isPrivate: boolean): Promise<boolean> {
    const created = await this.request(
      'create the board',
      this.connection.send(ScoreboardCommand.BoardCreate, { name, visibility: isPrivate ? 'private' : 'public' }),
    );
    if (!created) return false;
    const summary = summarize(created.board);
    this.update((state) => ({
      ...state,
      boards: state.boards.some((board) => board.id === summary.id) ? state.boards : [...state.boards, summary],
    }));
    return this.open(summary.id);
  }

  /** Opens a board (an invite code opens a private one); the previous one stops being heard. */
  async open(boardId: string, inviteCode?: string): Promise<boolean> {
    if (!this.connection.connected) {
      this.notify('error', 'You are offline: boards open once the connection is back.');
      return false;
    }
    const { currentBoardId: previous, board } = this.state.get();
    if (previous === boardId && board && !inviteCode) return true;
    this.update((state) => ({
      ...state,
      currentBoardId: boardId,
      history: null,
      // The board left behind keeps its last known count in the list.
      boards: board ? state.boards.map((listed) => (listed.id === board.id ? summarize(board) : listed)) : state.boards,
      board: previous && previous !== boardId ? null : state.board,
    }));
    if (previous && previous !== boardId)
      void this.connection.send(ScoreboardCommand.BoardLeave, { boardId: previous });
    const result = await this.join(boardId, { inviteCode });
    if (result !== 'joined') this.close(boardId);
    return result === 'joined';
  }

  /** Shows no board, if `boardId` is still the open one. */
  private close(boardId: string): void {
    if (this.state.get().currentBoardId !== boardId) return;
    this.patch({ currentBoardId: null, board: null });
  }

  /** `resuming`: a resync after a reconnection, not the user's request. */
  private async join(
    boardId: string,
    { inviteCode, resuming = false }: { inviteCode?: string; resuming?: boolean } = {},
  ): Promise<JoinResult> {
    this.patch({ joining: true });
    this.held = null;
    const outcome = await this.connection.send(ScoreboardCommand.BoardJoin, {
      boardId,
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held as BoardState | null;
    this.held = null;
    this.patch({ joining: false });
    // Another board was opened meanwhile: this answer is for nobody (callers close only the open one).
    if (this.state.get().currentBoardId !== boardId) return 'refused';
    if (!outcome.ok) return this.joinFailed(outcome.error, 'the board', resuming);
    const board = held ? applyBoardState(outcome.data.board, held) : outcome.data.board;
    this.adopt(board);
    this.remember(boardId);
    if (!this.state.get().boards.some((listed) => listed.id === boardId)) void this.refreshCatalog(true);
    return 'joined';
  }

  async loadHistory(): Promise<void> {
    const boardId = this.state.get().currentBoardId;
    if (!boardId) return;
    this.patch({ historyLoading: true });
    const outcome = await this.connection.send(ScoreboardCommand.BoardHistory, { boardId });
    this.patch({ historyLoading: false });
    if (this.state.get().currentBoardId !== boardId) return;
    if (outcome.ok) this.patch({ history: outcome.data.rounds });
    else this.notify('error', `Could not load the round history: ${outcome.error.message}`);
  }

  /** Owner only: archives the round's standings and starts the next at zero. */
  async resetRound(): Promise<boolean> {
    const board = this.state.get().board;
    if (!board) return false;
    const reset = await this.request(
      'reset the round',
      this.connection.send(ScoreboardCommand.BoardReset, { opId: newOpId(), boardId: board.id }),
    );
    if (!reset) return false;
    this.adopt(reset.board);
    if (this.state.get().history !== null) void this.loadHistory();
    return true;
  }

  // ---- players and scores -------------------------------------------------------------------

  /** Shown at once; sent now, or when the connection is back, whatever is shown then. */
  addScore(playerId: string, delta: number, boardId = this.state.get().currentBoardId): void {
    if (boardId) this.queueScore({ boardId, playerId, delta });
  }

  private queueScore(args: ScoreArgs): void {
    this.outbox.add<ScoreArgs>(this.namespace, scoreAdd, args, newOpId());
  }

  // ---- broadcasts and connection ------------------------------------------------------------

  private onState(state: BoardState): void {
    const { currentBoardId, joining, board, history } = this.state.get();
    if (state.boardId !== currentBoardId) return;
    if (joining) {
      if (!this.held || state.seq >= this.held.seq) this.held = state;
      return;
    }
    if (!board) return;
    const next = applyBoardState(board, state);
    if (next === board) return;
    this.adopt(next);
    if (next.round !== board.round && history !== null) void this.loadHistory();
  }

  private adopt(next: Board): void {
    this.update((state) => {
      const board = adoptBoard(state.board, next);
      return { ...state, board, awaiting: stillAwaited(state.awaiting, board) };
    });
  }

  /** Reopens the open board (on the first connection, the one open last time): its state is whole. */
  protected override async resync(firstTime: boolean): Promise<void> {
    const boardId = this.state.get().currentBoardId ?? (firstTime ? this.remembered() : null);
    if (!boardId) return;
    this.patch({ currentBoardId: boardId });
    const result = await this.join(boardId, { resuming: true });
    // `later`: the board stays in view, as last seen, until the next connection catches it up.
    if (result === 'gone' || result === 'refused') this.close(boardId);
  }

  protected override loadDirectory(quiet: boolean): Promise<void> {
    return this.refreshCatalog(quiet);
  }

  /** The board list follows every board created, renamed or deleted; so does the open board. */
  protected override directoryChanged(change: DirectoryChanged): void {
    this.update((state) => ({ ...state, ...boardsDirectory(state, change) }));
    if (change.kind === DirectoryChange.Deleted) this.close(change.space.id);
  }

  protected override lastSeen(state: ScoreboardState): ScoreboardLastSeen {
    return { boards: state.boards, board: state.board };
  }

  /** The open board comes back as last seen; connecting reopens it whole. */
  protected override restoreLastSeen(kept: unknown): void {
    this.update((state) => restoreBoards(state, kept as ScoreboardLastSeen));
  }
}
