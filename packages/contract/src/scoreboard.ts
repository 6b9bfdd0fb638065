import { z } from 'zod';
import type { AckCallback } from './ack.js';
import type { SessionClientEvents, SessionServerEvents } from './auth.js';
import type { DirectoryServerEvents } from './spaces.js';
import { displayName, id, inviteCode, opId, pin, visibility, type User, type Visibility } from './common.js';

/** Commands of the `/scoreboard` namespace: client → server, each answered with an `Ack`. */
export const ScoreboardCommand = {
  BoardCreate: 'board:create',
  BoardList: 'board:list',
  BoardJoin: 'board:join',
  BoardLeave: 'board:leave',
  BoardHistory: 'board:history',
  BoardReset: 'board:reset',
  /** Owner only: a new PIN, and the old one stops working. */
  BoardPinRotate: 'board:pin:rotate',
  /** Makes the user a member of the board the PIN names (a private one too): then `board:join` it. */
  BoardPinJoin: 'board:pin:join',
  PlayerAdd: 'player:add',
  PlayerRename: 'player:rename',
  PlayerRemove: 'player:remove',
  ScoreAdd: 'score:add',
} as const;
export type ScoreboardCommand = (typeof ScoreboardCommand)[keyof typeof ScoreboardCommand];

/** Server → client events of `/scoreboard`. */
export const ScoreboardBroadcast = {
  /** The whole ranked board, coalesced: at most one per board every `stateIntervalMs`. */
  BoardState: 'board:state',
} as const;
export type ScoreboardBroadcast = (typeof ScoreboardBroadcast)[keyof typeof ScoreboardBroadcast];

/** Limits of the scoreboard. */
export const ScoreboardLimits = {
  /** |delta| of one `score:add`. */
  maxDelta: 1_000_000,
  /** |score| a player may reach; a change that would pass it answers `CONFLICT`. */
  maxScore: 1_000_000_000,
  /** Players of one board (a `board:state` carries all of them). */
  playersPerBoard: 500,
  /** Archived rounds `board:history` answers, newest first. */
  historyRounds: 100,
  /** A board's `board:state` broadcasts are at least this far apart (leading and trailing edge). */
  stateIntervalMs: 50,
} as const;

// ---- entities -------------------------------------------------------------------------------

export interface Player {
  id: string;
  name: string;
  /** Score in the board's current round. */
  score: number;
  /**
   * Standard competition ranking: 1 + the number of players with a higher score (1, 2, 2, 4).
   * Inside a tie, players are listed in the order they reached the score.
   */
  rank: number;
  /** The user this player stands for, when linked. */
  userId?: string;
}

export interface Board {
  id: string;
  name: string;
  ownerId: string;
  visibility: Visibility;
  /** The round being played, from 1; `board:reset` archives it and starts the next. */
  round: number;
  /** The last `seq` of the board's change stream: the state's version. */
  seq: number;
  /** Ranked, best first. */
  players: Player[];
  /** Only for the members of a private board. */
  inviteCode?: string;
  /** What anyone signed in can type to join (`board:pin:join`); in `board:create` and `board:join` answers only. */
  pin?: string;
}

/** A board as `board:list` shows it: without its players or PIN. */
export type BoardSummary = Omit<Board, 'players' | 'pin'> & { playerCount: number };

export interface ArchivedRound {
  round: number;
  archivedAt: string;
  /** Ranked final standings of the round. */
  standings: Player[];
}

// ---- command payloads -----------------------------------------------------------------------

const delta = z
  .int()
  .min(-ScoreboardLimits.maxDelta)
  .max(ScoreboardLimits.maxDelta)
  .refine((value) => value !== 0, 'must not be zero');

/**
 * What the player's score must be for a `score:add` to apply (an undo names the score its change
 * produced): anything else, or another round, answers `CONFLICT` and adds nothing.
 */
const expectedScore = z.strictObject({
  round: z.int().min(1).max(Number.MAX_SAFE_INTEGER),
  score: z.int().min(-ScoreboardLimits.maxScore).max(ScoreboardLimits.maxScore),
});

export const scoreboardCommandSchemas = {
  [ScoreboardCommand.BoardCreate]: z.strictObject({ name: displayName, visibility: visibility.optional() }),
  [ScoreboardCommand.BoardList]: z.strictObject({}),
  [ScoreboardCommand.BoardJoin]: z.strictObject({ boardId: id, inviteCode: inviteCode.optional() }),
  [ScoreboardCommand.BoardLeave]: z.strictObject({ boardId: id }),
  [ScoreboardCommand.BoardHistory]: z.strictObject({ boardId: id }),
  [ScoreboardCommand.BoardReset]: z.strictObject({ opId, boardId: id }),
  [ScoreboardCommand.BoardPinRotate]: z.strictObject({ boardId: id }),
  [ScoreboardCommand.BoardPinJoin]: z.strictObject({ pin }),
  [ScoreboardCommand.PlayerAdd]: z.strictObject({ opId, boardId: id, name: displayName, userId: id.optional() }),
  [ScoreboardCommand.PlayerRename]: z.strictObject({ opId, boardId: id, playerId: id, name: displayName }),
  [ScoreboardCommand.PlayerRemove]: z.strictObject({ opId, boardId: id, playerId: id }),
  [ScoreboardCommand.ScoreAdd]: z.strictObject({
    opId,
    boardId: id,
    playerId: id,
    delta,
    expected: expectedScore.optional(),
  }),
} as const;

type Schemas = typeof scoreboardCommandSchemas;
/** A command's payload as the server sees it after parsing. */
export type ScoreboardInput<C extends ScoreboardCommand> = z.output<Schemas[C]>;
export type ExpectedScore = z.output<typeof expectedScore>;

// ---- broadcasts -----------------------------------------------------------------------------

/**
 * The ranked board after one or more committed changes. Coalesced: a client may skip states,
 * and may get the same `seq` twice; the state with the highest `seq` is the current one.
 */
export interface BoardState {
  boardId: string;
  seq: number;
  round: number;
  players: Player[];
}

// ---- command results ------------------------------------------------------------------------

export interface ScoreboardCommandResults {
  [ScoreboardCommand.BoardCreate]: { board: Board };
  [ScoreboardCommand.BoardList]: { boards: BoardSummary[] };
  [ScoreboardCommand.BoardJoin]: { board: Board };
  [ScoreboardCommand.BoardLeave]: { boardId: string };
  [ScoreboardCommand.BoardHistory]: { rounds: ArchivedRound[] };
  [ScoreboardCommand.BoardReset]: { board: Board };
  [ScoreboardCommand.BoardPinRotate]: { boardId: string; pin: string };
  [ScoreboardCommand.BoardPinJoin]: { boardId: string };
  [ScoreboardCommand.PlayerAdd]: { player: Player };
  [ScoreboardCommand.PlayerRename]: { player: Player };
  [ScoreboardCommand.PlayerRemove]: { boardId: string; playerId: string };
  /** `seq`: the change's; a `board:state` with this `seq` or later includes it. `round`: the one it counts in. */
  [ScoreboardCommand.ScoreAdd]: { player: Player; seq: number; round: number };
}

/** `error.details` of a `CONFLICT` on a `score:add` whose `expected` score is no longer current. */
export interface ScoreConflictDetails {
  /** The player as stored now. */
  current: Player;
  round: number;
  /** Who made the player's last score change, if anyone has (absent after a reset alone). */
  changedBy?: User;
}

// ---- typed Socket.IO event maps -------------------------------------------------------------

export type ScoreboardClientEvents = SessionClientEvents & {
  [C in ScoreboardCommand]: (payload: z.input<Schemas[C]>, ack: AckCallback<ScoreboardCommandResults[C]>) => void;
};

export interface ScoreboardServerEvents extends SessionServerEvents, DirectoryServerEvents {
  [ScoreboardBroadcast.BoardState]: (payload: BoardState) => void;
}
