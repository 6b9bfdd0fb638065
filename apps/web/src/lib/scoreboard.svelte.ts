import {
  Namespace,
  ScoreboardBroadcast,
  ScoreboardCommand,
  type ArchivedRound,
  type Board,
  type BoardState,
  type BoardSummary,
  type Player,
} from '@tandem/contract';
import { NamespaceManager, newOpId, type JoinResult } from './namespace-manager.svelte.js';
import { notices } from './notices.svelte.js';
import type { Kept } from './outbox.js';
import type { SessionLink } from './session.svelte.js';

/** A score change made here: shown at once, sent (or queued while offline), dropped once the board includes it. */
export interface PendingScore {
  opId: string;
  boardId: string;
  playerId: string;
  delta: number;
  status: 'queued' | 'sending' | 'sent';
  /** The change's `seq`, from the ack: a board state with this `seq` or later includes it. */
  seq?: number;
}

/** The boards, and the open board as last seen: shown after a reload until it connects. */
export interface ScoreboardLastSeen {
  boards: BoardSummary[];
  board: Board | null;
}

/**
 * The board as this user sees it: the server's ranked players plus the score changes made here
 * that it does not include yet. A changed player reached their score last, so inside a tie they
 * go after the others, as the server orders them.
 */
export function projectPlayers(players: Player[], pending: PendingScore[]): Player[] {
  if (pending.length === 0) return players;
  const deltas = new Map<string, number>();
  for (const entry of pending) deltas.set(entry.playerId, (deltas.get(entry.playerId) ?? 0) + entry.delta);
  const moved = players
    .map((player, index) => ({ player: { ...player, score: player.score + (deltas.get(player.id) ?? 0) }, index }))
    .sort(
      (a, b) =>
        b.player.score - a.player.score ||
        Number(deltas.has(a.player.id)) - Number(deltas.has(b.player.id)) ||
        a.index - b.index,
    )
    .map((entry) => entry.player);
  let rank = 0;
  return moved.map((player, index) => {
    if (index === 0 || player.score !== moved[index - 1]?.score) rank = index + 1;
    return { ...player, rank };
  });
}

/**
 * The `/scoreboard` state of one signed-in user: the board list, the open board kept current by
 * `board:state` broadcasts, its round history, and score changes not yet confirmed.
 *
 * Consistency rule: `board:state` carries the whole board with its `seq`; a state whose `seq` is
 * below the one held is stale and ignored. While a join is in flight, the newest state is held
 * and wins over the join's answer if its `seq` is higher.
 */
export class ScoreboardManager extends NamespaceManager<typeof Namespace.Scoreboard, PendingScore, ScoreboardLastSeen> {
  boards = $state<BoardSummary[]>([]);
  currentBoardId = $state<string | null>(null);
  /** The open board as the server last described it. */
  board = $state<Board | null>(null);
  joining = $state(false);
  /** Archived rounds, newest first; `null` until asked for. */
  history = $state<ArchivedRound[] | null>(null);
  historyLoading = $state(false);
  pending = $state<PendingScore[]>([]);

  /** This user's unconfirmed score changes on the open board. */
  readonly pendingHere: PendingScore[] = $derived(this.pending.filter((entry) => entry.boardId === this.board?.id));
  /** The open board's players, ranked, with this user's unconfirmed changes applied. */
  readonly players: Player[] = $derived(this.board ? projectPlayers(this.board.players, this.pendingHere) : []);
  /** Listed boards plus the open one when the list does not show it yet (joined by id). */
  readonly sidebarBoards: BoardSummary[] = $derived.by(() => {
    const open = this.board;
    if (!open || this.boards.some((listed) => listed.id === open.id)) return this.boards;
    const { players, ...summary } = open;
    return [...this.boards, { ...summary, playerCount: players.length }];
  });

  private held: BoardState | null = null;

  constructor(session: SessionLink) {
    super(Namespace.Scoreboard, session, 'board');
  }

  get isOwner(): boolean {
    return this.board?.ownerId === this.me.id;
  }

  protected override subscribe(): void {
    this.socket.on(ScoreboardBroadcast.BoardState, (state) => this.onState(state));
  }

  // ---- boards -------------------------------------------------------------------------------

  refreshCatalog(quiet = false): Promise<void> {
    return this.loadCatalog(
      quiet,
      'the boards',
      () => this.request(ScoreboardCommand.BoardList, {}),
      (data) => (this.boards = data.boards),
    );
  }

  async createBoard(name: string, isPrivate: boolean): Promise<boolean> {
    const outcome = await this.request(ScoreboardCommand.BoardCreate, {
      name,
      visibility: isPrivate ? 'private' : 'public',
    });
    if (!outcome.ok) {
      notices.error(`Could not create the board: ${outcome.error.message}`);
      return false;
    }
    const { players, ...summary } = outcome.data.board;
    this.boards = [...this.boards, { ...summary, playerCount: players.length }];
    return this.open(summary.id);
  }

  /** Opens a board (an invite code opens a private one); the previous one stops being heard. */
  async open(boardId: string, inviteCode?: string): Promise<boolean> {
    if (!this.socket.connected) {
      notices.error('You are offline: boards open once the connection is back.');
      return false;
    }
    const previous = this.currentBoardId;
    if (previous === boardId && this.board && !inviteCode) return true;
    this.currentBoardId = boardId;
    this.history = null;
    if (previous && previous !== boardId) {
      this.board = null;
      void this.request(ScoreboardCommand.BoardLeave, { boardId: previous });
    }
    const result = await this.join(boardId, { inviteCode });
    if (result !== 'joined') this.close(boardId);
    return result === 'joined';
  }

  /** Shows no board, if `boardId` is still the open one. */
  private close(boardId: string): void {
    if (this.currentBoardId !== boardId) return;
    this.currentBoardId = null;
    this.board = null;
  }

  /** `resuming`: a resync after a reconnection, not the user's request. */
  private async join(
    boardId: string,
    { inviteCode, resuming = false }: { inviteCode?: string; resuming?: boolean } = {},
  ): Promise<JoinResult> {
    this.joining = true;
    this.held = null;
    const outcome = await this.request(ScoreboardCommand.BoardJoin, {
      boardId,
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held as BoardState | null;
    this.joining = false;
    this.held = null;
    // Another board was opened meanwhile: this answer is for nobody (callers close only the open one).
    if (this.currentBoardId !== boardId) return 'refused';
    if (!outcome.ok) return this.joinFailed(outcome.error, 'the board', resuming);
    const { board } = outcome.data;
    this.board =
      held && held.seq > board.seq ? { ...board, seq: held.seq, round: held.round, players: held.players } : board;
    this.dropIncluded();
    this.remember(boardId);
    if (!this.boards.some((listed) => listed.id === boardId)) void this.refreshCatalog(true);
    return 'joined';
  }

  async loadHistory(): Promise<void> {
    const boardId = this.currentBoardId;
    if (!boardId) return;
    this.historyLoading = true;
    const outcome = await this.request(ScoreboardCommand.BoardHistory, { boardId });
    this.historyLoading = false;
    if (this.currentBoardId !== boardId) return;
    if (outcome.ok) this.history = outcome.data.rounds;
    else notices.error(`Could not load the round history: ${outcome.error.message}`);
  }

  /** Owner only: archives the round's standings and starts the next at zero. */
  async resetRound(): Promise<boolean> {
    const board = this.board;
    if (!board) return false;
    const outcome = await this.request(ScoreboardCommand.BoardReset, { opId: newOpId(), boardId: board.id });
    if (!outcome.ok) {
      notices.error(`Could not reset the round: ${outcome.error.message}`);
      return false;
    }
    this.applyBoard(outcome.data.board);
    if (this.history !== null) void this.loadHistory();
    return true;
  }

  // ---- players and scores -------------------------------------------------------------------

  /** `isMe`: the player stands for the signed-in user. */
  async addPlayer(name: string, isMe = false): Promise<boolean> {
    const boardId = this.currentBoardId;
    if (!boardId) return false;
    const outcome = await this.request(ScoreboardCommand.PlayerAdd, {
      opId: newOpId(),
      boardId,
      name,
      ...(isMe ? { userId: this.me.id } : {}),
    });
    if (!outcome.ok) notices.error(`Could not add ${name}: ${outcome.error.message}`);
    return outcome.ok;
  }

  async renamePlayer(playerId: string, name: string): Promise<boolean> {
    const boardId = this.currentBoardId;
    if (!boardId) return false;
    const outcome = await this.request(ScoreboardCommand.PlayerRename, { opId: newOpId(), boardId, playerId, name });
    if (!outcome.ok) notices.error(`Could not rename the player: ${outcome.error.message}`);
    return outcome.ok;
  }

  async removePlayer(playerId: string): Promise<boolean> {
    const boardId = this.currentBoardId;
    if (!boardId) return false;
    const outcome = await this.request(ScoreboardCommand.PlayerRemove, { opId: newOpId(), boardId, playerId });
    if (!outcome.ok) notices.error(`Could not remove the player: ${outcome.error.message}`);
    return outcome.ok;
  }

  /** Shown at once; sent now, or when the connection is back. A refusal rolls it back. */
  addScore(playerId: string, delta: number): void {
    const boardId = this.currentBoardId;
    if (!boardId) return;
    const entry: PendingScore = { opId: newOpId(), boardId, playerId, delta, status: 'queued' };
    this.pending.push(entry);
    if (this.canSend()) void this.deliver(entry.opId);
  }

  private async deliver(opId: string): Promise<void> {
    const find = () => this.pending.find((entry) => entry.opId === opId);
    const entry = find();
    if (!entry || entry.status !== 'queued') return;
    entry.status = 'sending';
    const { boardId, playerId, delta } = entry;
    const outcome = await this.request(ScoreboardCommand.ScoreAdd, { opId, boardId, playerId, delta });
    const sent = find();
    if (!sent) return;
    if (outcome.ok) {
      sent.status = 'sent';
      sent.seq = outcome.data.seq;
      this.dropIncluded();
      return;
    }
    const plan = this.retryPlan(outcome.error);
    if (plan !== null) {
      sent.status = 'queued';
      if (plan !== 'reconnect') this.retryLater(plan, () => void this.deliver(opId));
      return;
    }
    // Refused: the change is rolled back (it no longer shows) and said so.
    this.pending = this.pending.filter((queued) => queued.opId !== opId);
    const name = this.board?.players.find((player) => player.id === playerId)?.name ?? 'the player';
    notices.error(`Could not add ${delta > 0 ? '+' : ''}${delta} to ${name}: ${outcome.error.message}`);
  }

  protected override flush(): void {
    for (const entry of this.pending) if (entry.status === 'queued') void this.deliver(entry.opId);
  }

  /** A change the server acknowledged (`sent`) is done with, even while the board does not show it yet. */
  protected override queued(): PendingScore[] {
    return this.pending
      .filter((entry) => entry.status !== 'sent')
      .map((entry) => (entry.status === 'sending' ? { ...entry, status: 'queued' as const } : entry));
  }

  protected override lastSeen(): ScoreboardLastSeen {
    return { boards: this.boards, board: this.board };
  }

  /** The open board comes back as last seen, with the changes made on it; connecting reopens it whole. */
  protected override restoreKept({ commands, lastSeen }: Kept<PendingScore, ScoreboardLastSeen>): void {
    if (lastSeen && this.boards.length === 0) this.boards = lastSeen.boards;
    if (lastSeen?.board && this.currentBoardId === null) {
      this.currentBoardId = lastSeen.board.id;
      this.board = lastSeen.board;
    }
    const made = new Set(this.pending.map((entry) => entry.opId));
    this.pending = [...commands.filter((entry) => !made.has(entry.opId)), ...this.pending];
  }

  // ---- broadcasts and connection ------------------------------------------------------------

  private onState(state: BoardState): void {
    if (state.boardId !== this.currentBoardId) return;
    if (this.joining) {
      if (!this.held || state.seq >= this.held.seq) this.held = state;
      return;
    }
    const board = this.board;
    if (!board || state.seq < board.seq) return;
    const roundChanged = state.round !== board.round;
    this.board = { ...board, seq: state.seq, round: state.round, players: state.players };
    this.dropIncluded();
    if (roundChanged && this.history !== null) void this.loadHistory();
  }

  private applyBoard(next: Board): void {
    if (this.board && this.board.id === next.id && next.seq < this.board.seq) return;
    this.board = next;
    this.dropIncluded();
  }

  /** Forgets confirmed changes that the open board includes, and those of boards no longer shown. */
  private dropIncluded(): void {
    const board = this.board;
    const included = (entry: PendingScore) =>
      entry.seq !== undefined && (entry.boardId !== board?.id || (board !== null && entry.seq <= board.seq));
    if (this.pending.some(included)) this.pending = this.pending.filter((entry) => !included(entry));
  }

  /** Reopens the open board (on the first visit, the one open last time): its state is whole. */
  protected override async resync(firstTime: boolean): Promise<void> {
    const boardId = this.currentBoardId ?? (firstTime ? this.remembered() : null);
    if (!boardId) return;
    this.currentBoardId = boardId;
    const result = await this.join(boardId, { resuming: true });
    // `later`: the board stays in view, as last seen, until the next connection catches it up.
    if (result === 'gone' || result === 'refused') this.close(boardId);
  }
}
