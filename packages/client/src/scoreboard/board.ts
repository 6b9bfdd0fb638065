import type { ArchivedRound, Board, BoardState, BoardSummary, DirectoryChanged, Player } from '@tandem/contract';
import type { UndoHistory } from '../undo-history.js';
import type { ScoreUndoChange } from './undo.js';
import { applyDirectoryChange, spaceFields } from '../directory.js';

export interface ScoreboardState {
  boards: BoardSummary[];
  catalogLoading: boolean;
  currentBoardId: string | null;
  /** The open board as the server last described it. */
  board: Board | null;
  joining: boolean;
  /** Archived rounds, newest first; `null` until asked for. */
  history: ArchivedRound[] | null;
  historyLoading: boolean;
  /** Score changes the server acknowledged that the board does not include yet. */
  awaiting: PendingScore[];
  /** This user's score changes that can be undone or redone, per board. */
  undoHistory: UndoHistory<ScoreUndoChange>;
}

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

/**
 * The board as this user sees it: the server's ranked players plus the score changes made here
 * that it does not include yet (optimistic apply; a refused change leaves `pending`, which rolls
 * it back). A changed player reached their score last, so inside a tie they go after the others,
 * as the server orders them.
 */
export function projectPlayers(players: readonly Player[], pending: readonly PendingScore[]): Player[] {
  if (pending.length === 0) return [...players];
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
 * Applies a `board:state` broadcast: the state with the higher `seq` wins (states are coalesced,
 * and may come twice or late). Returns the same board when nothing changes.
 */
export function applyBoardState(board: Board, state: BoardState): Board {
  if (state.boardId !== board.id || state.seq < board.seq) return board;
  return { ...board, seq: state.seq, round: state.round, players: state.players };
}

/** A board as an answer gives it, unless the one held is newer (answers and broadcasts race). */
export function adoptBoard(held: Board | null, next: Board): Board {
  return held && held.id === next.id && next.seq < held.seq ? held : next;
}

/** Keeps the acknowledged changes the board does not include yet (those of other boards go). */
export function stillAwaited(awaiting: readonly PendingScore[], board: Board | null): PendingScore[] {
  return awaiting.filter((entry) => board !== null && entry.boardId === board.id && (entry.seq ?? 0) > board.seq);
}

/** A board as the list shows it. */
export function summarize(board: Board): BoardSummary {
  const { players, pin: _pin, ...summary } = board;
  return { ...summary, playerCount: players.length };
}

/**
 * The board list as shown: the open board's own entry follows the open board (its name and
 * player count are live there), and a board joined by id appears before the list names it.
 */
export function boardsShown(boards: readonly BoardSummary[], open: Board | null): BoardSummary[] {
  if (!open) return [...boards];
  const live = summarize(open);
  const listed = boards.some((board) => board.id === open.id);
  return listed ? boards.map((board) => (board.id === open.id ? { ...board, ...live } : board)) : [...boards, live];
}

/** A `directory:changed` applied to the board list and the open board. */
export function boardsDirectory(
  { boards, board }: { boards: readonly BoardSummary[]; board: Board | null },
  change: DirectoryChanged,
): { boards: BoardSummary[]; board: Board | null } {
  const { space } = change;
  return {
    boards: applyDirectoryChange(boards, change, (summary, held) => ({
      round: 1,
      seq: summary.seq,
      playerCount: 0,
      ...held,
      ...spaceFields(summary, held),
      name: summary.name,
    })),
    board: board?.id === space.id ? { ...board, name: space.name } : board,
  };
}

/** The boards, and the open board as last seen: shown after a reload until it connects. */
export interface ScoreboardLastSeen {
  boards: BoardSummary[];
  board: Board | null;
}

/** The boards and the open board come back as last seen (the open board is reopened whole on connecting). */
export function restoreBoards<S extends { boards: BoardSummary[]; board: Board | null; currentBoardId: string | null }>(
  state: S,
  { boards, board }: ScoreboardLastSeen,
): S {
  return {
    ...state,
    boards: state.boards.length === 0 ? boards : state.boards,
    ...(board && state.currentBoardId === null ? { currentBoardId: board.id, board } : {}),
  };
}
