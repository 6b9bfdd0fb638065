import type { Player, Visibility } from '@tandem/contract';

// What the scoreboard's rules see of its rows, and the facts its change stream logs.

export interface BoardRecord {
  id: string;
  name: string;
  visibility: Visibility;
  inviteCode: string | null;
  ownerId: string;
  round: number;
  createdAt: string;
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
export type BoardFact = (typeof BoardFact)[keyof typeof BoardFact];

/** The board's record from a row that holds its columns among others (each property named: a rest pattern copies through V8's runtime). */
export function toBoardRecord(row: Omit<BoardRecord, 'visibility'> & { visibility: string }): BoardRecord {
  const { id, name, visibility, inviteCode, ownerId, round, createdAt } = row;
  return { id, name, visibility: visibility as Visibility, inviteCode, ownerId, round, createdAt };
}

/** A player as the contract has it, ranked `rank`. */
export function toPlayer(row: Pick<PlayerRecord, 'id' | 'name' | 'userId' | 'score'>, rank: number): Player {
  // Two literals rather than a spread: one hidden class each, and no copy through the runtime.
  const { id, name, score, userId } = row;
  return userId ? { id, name, score, rank, userId } : { id, name, score, rank };
}
