import {
  ErrorCode,
  ScoreboardBroadcast,
  ScoreboardCommand,
  type ArchivedRound,
  type Board,
  type BoardState,
  type BoardSummary,
  type Player,
  type User,
} from '@tandem/contract';
import type { ConnectionState } from './chat.svelte.js';
import { notices } from './notices.svelte.js';
import { createScoreboardSocket, sendScoreboardCommand, type ScoreboardSocket } from './sockets.js';

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

/** Boards are created by others without a broadcast: the list is refreshed on this period. */
const boardListRefreshMs = 30_000;

/** A v4 UUID; `crypto.randomUUID` exists only on secure origins, `getRandomValues` everywhere. */
function newOpId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function retryAfter(details: unknown): number | null {
  const value = typeof details === 'object' && details !== null ? (details as Record<string, unknown>).retryAfterMs : undefined;
  return typeof value === 'number' ? value : null;
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
    if (index === 0 || player.score !== moved[index - 1].score) rank = index + 1;
    return { ...player, rank };
  });
}

export interface ScoreboardOptions {
  token: string;
  me: User;
  /** The server refused the handshake; returns true when the session is over. */
  onRefused(reason: string): boolean;
}

/**
 * The `/scoreboard` state of one signed-in user: the board list, the open board kept current by
 * `board:state` broadcasts, its round history, and score changes not yet confirmed.
 *
 * Consistency rule: `board:state` carries the whole board with its `seq`; a state whose `seq` is
 * below the one held is stale and ignored. While a join is in flight, the newest state is held
 * and wins over the join's answer if its `seq` is higher.
 */
export class ScoreboardManager {
  readonly me: User;
  connection = $state<ConnectionState>('reconnecting');
  everConnected = $state(false);
  boards = $state<BoardSummary[]>([]);
  boardsLoading = $state(false);
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

  private readonly socket: ScoreboardSocket;
  private readonly onRefused: ScoreboardOptions['onRefused'];
  private held: BoardState | null = null;
  private listTimer: ReturnType<typeof setInterval> | null = null;
  private readonly currentBoardKey: string;
  private readonly cleanups: (() => void)[] = [];

  get isOwner(): boolean {
    return this.board?.ownerId === this.me.id;
  }

  constructor(options: ScoreboardOptions) {
    this.me = options.me;
    this.onRefused = options.onRefused;
    this.socket = createScoreboardSocket(options.token);
    this.currentBoardKey = `tandem.board.${options.me.id}`;
  }

  start(): void {
    const socket = this.socket;
    socket.on('connect', () => this.onConnect());
    socket.on('disconnect', () => this.updateConnection());
    socket.on('connect_error', (error) => {
      if (!socket.active && this.onRefused(error.message)) return;
      this.updateConnection();
    });
    const attempt = () => this.updateConnection();
    socket.io.on('reconnect_attempt', attempt);
    this.cleanups.push(() => socket.io.off('reconnect_attempt', attempt));
    socket.on(ScoreboardBroadcast.BoardState, (state) => this.onState(state));

    const online = () => {
      if (!socket.connected && !socket.active) socket.connect();
      this.updateConnection();
    };
    const focus = () => {
      if (socket.connected) void this.refreshBoards(true);
    };
    window.addEventListener('online', online);
    window.addEventListener('offline', online);
    window.addEventListener('focus', focus);
    this.cleanups.push(() => {
      window.removeEventListener('online', online);
      window.removeEventListener('offline', online);
      window.removeEventListener('focus', focus);
    });
    this.listTimer = setInterval(() => {
      if (socket.connected && !document.hidden) void this.refreshBoards(true);
    }, boardListRefreshMs);

    socket.connect();
    this.updateConnection();
  }

  stop(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.listTimer) clearInterval(this.listTimer);
    this.socket.disconnect();
    this.socket.removeAllListeners();
  }

  // ---- boards -------------------------------------------------------------------------------

  async refreshBoards(quiet = false): Promise<void> {
    this.boardsLoading = !quiet;
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.BoardList, {});
    this.boardsLoading = false;
    if (outcome.ok) this.boards = outcome.data.boards;
    else if (!quiet) notices.error(`Could not load the boards: ${outcome.error.message}`);
  }

  async createBoard(name: string, isPrivate: boolean): Promise<boolean> {
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.BoardCreate, {
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
      void sendScoreboardCommand(this.socket, ScoreboardCommand.BoardLeave, { boardId: previous });
    }
    const joined = await this.join(boardId, inviteCode);
    if (!joined && this.currentBoardId === boardId) {
      this.currentBoardId = null;
      this.board = null;
    }
    return joined;
  }

  private async join(boardId: string, inviteCode?: string): Promise<boolean> {
    this.joining = true;
    this.held = null;
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.BoardJoin, {
      boardId,
      ...(inviteCode ? { inviteCode } : {}),
    });
    const held = this.held as BoardState | null;
    this.joining = false;
    this.held = null;
    if (this.currentBoardId !== boardId) return false;
    if (!outcome.ok) {
      if (outcome.error.code === ErrorCode.Forbidden || outcome.error.code === ErrorCode.NotFound) {
        localStorage.removeItem(this.currentBoardKey);
      }
      notices.error(`Could not open the board: ${outcome.error.message}`);
      return false;
    }
    const { board } = outcome.data;
    this.board = held && held.seq > board.seq ? { ...board, seq: held.seq, round: held.round, players: held.players } : board;
    this.dropIncluded();
    localStorage.setItem(this.currentBoardKey, boardId);
    if (!this.boards.some((listed) => listed.id === boardId)) void this.refreshBoards(true);
    return true;
  }

  async loadHistory(): Promise<void> {
    const boardId = this.currentBoardId;
    if (!boardId) return;
    this.historyLoading = true;
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.BoardHistory, { boardId });
    this.historyLoading = false;
    if (this.currentBoardId !== boardId) return;
    if (outcome.ok) this.history = outcome.data.rounds;
    else notices.error(`Could not load the round history: ${outcome.error.message}`);
  }

  /** Owner only: archives the round's standings and starts the next at zero. */
  async resetRound(): Promise<boolean> {
    const board = this.board;
    if (!board) return false;
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.BoardReset, { opId: newOpId(), boardId: board.id });
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
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.PlayerAdd, {
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
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.PlayerRename, { opId: newOpId(), boardId, playerId, name });
    if (!outcome.ok) notices.error(`Could not rename the player: ${outcome.error.message}`);
    return outcome.ok;
  }

  async removePlayer(playerId: string): Promise<boolean> {
    const boardId = this.currentBoardId;
    if (!boardId) return false;
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.PlayerRemove, { opId: newOpId(), boardId, playerId });
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
    const outcome = await sendScoreboardCommand(this.socket, ScoreboardCommand.ScoreAdd, { opId, boardId, playerId, delta });
    const sent = find();
    if (!sent) return;
    if (outcome.ok) {
      sent.status = 'sent';
      sent.seq = outcome.data.seq;
      this.dropIncluded();
      return;
    }
    const { code, message, details } = outcome.error;
    if (code === 'NO_ANSWER' && !this.canSend()) {
      // Sent again, with the same opId, once the connection is back.
      sent.status = 'queued';
      return;
    }
    const waitMs = code === ErrorCode.RateLimited ? retryAfter(details) : null;
    if (waitMs !== null) {
      sent.status = 'queued';
      setTimeout(() => {
        if (this.canSend()) void this.deliver(opId);
      }, waitMs);
      return;
    }
    this.pending = this.pending.filter((queued) => queued.opId !== opId);
    const name = this.board?.players.find((player) => player.id === playerId)?.name ?? 'the player';
    notices.error(`Could not add ${delta > 0 ? '+' : ''}${delta} to ${name}: ${message}`);
  }

  private flushPending(): void {
    for (const entry of this.pending) if (entry.status === 'queued') void this.deliver(entry.opId);
  }

  private canSend(): boolean {
    return this.socket.connected && navigator.onLine;
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

  private onConnect(): void {
    const firstTime = !this.everConnected;
    this.everConnected = true;
    this.updateConnection();
    void this.refreshBoards(true);
    const boardId = this.currentBoardId ?? (firstTime ? localStorage.getItem(this.currentBoardKey) : null);
    if (!boardId) {
      this.flushPending();
      return;
    }
    this.currentBoardId = boardId;
    // Queued changes go out once the board is caught up.
    void this.join(boardId).then((joined) => {
      if (!joined && this.currentBoardId === boardId) {
        this.currentBoardId = null;
        this.board = null;
      }
      this.flushPending();
    });
  }

  private updateConnection(): void {
    if (!navigator.onLine) this.connection = 'offline';
    else if (this.socket.connected) this.connection = 'connected';
    else if (this.socket.active) this.connection = 'reconnecting';
    else this.connection = 'offline';
  }
}
