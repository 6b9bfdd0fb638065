import { describe, expect, it } from '@jest/globals';
import type { Board, Player } from '@tandem/contract';
import { adoptBoard, applyBoardState, boardsShown, projectPlayers, stillAwaited, type PendingScore } from './board.js';

const player = (id: string, score: number, rank: number): Player => ({ id, name: id, score, rank });
const board = (seq: number, players: Player[]): Board => ({
  id: 'b1',
  name: 'Darts',
  ownerId: 'u1',
  visibility: 'public',
  round: 1,
  seq,
  players,
});
const pending = (playerId: string, delta: number, seq?: number): PendingScore => ({
  opId: `${playerId}${delta}${seq ?? ''}`,
  boardId: 'b1',
  playerId,
  delta,
  status: seq === undefined ? 'queued' : 'sent',
  ...(seq === undefined ? {} : { seq }),
});

describe('projectPlayers', () => {
  const players = [player('ada', 10, 1), player('bob', 5, 2), player('cy', 5, 2)];

  it('shows the server state as is without pending changes', () => {
    expect(projectPlayers(players, [])).toEqual(players);
  });

  it('applies pending changes optimistically and re-ranks, a changed player last inside a tie', () => {
    const shown = projectPlayers(players, [pending('cy', 3), pending('cy', 2)]);
    expect(shown.map((entry) => [entry.id, entry.score, entry.rank])).toEqual([
      ['ada', 10, 1],
      ['cy', 10, 1],
      ['bob', 5, 3],
    ]);
  });

  it('rolls back by leaving the refused change out', () => {
    const withChange = projectPlayers(players, [pending('bob', 9)]);
    expect(withChange[0]?.id).toBe('bob');
    expect(projectPlayers(players, [])[0]?.id).toBe('ada');
  });
});

describe('applyBoardState', () => {
  it('takes a newer state and ignores an older one', () => {
    const held = board(5, [player('ada', 1, 1)]);
    const newer = applyBoardState(held, { boardId: 'b1', seq: 6, round: 1, players: [player('ada', 2, 1)] });
    expect(newer.players[0]?.score).toBe(2);
    expect(applyBoardState(newer, { boardId: 'b1', seq: 4, round: 1, players: [] })).toBe(newer);
  });

  it('ignores another board', () => {
    const held = board(5, []);
    expect(applyBoardState(held, { boardId: 'b2', seq: 9, round: 1, players: [] })).toBe(held);
  });
});

describe('adoptBoard', () => {
  it('keeps the held board when an answer is older than it', () => {
    const held = board(7, []);
    expect(adoptBoard(held, board(6, []))).toBe(held);
    expect(adoptBoard(held, board(8, [])).seq).toBe(8);
  });
});

describe('stillAwaited', () => {
  it('drops acknowledged changes the board includes, keeps later ones', () => {
    const awaiting = [pending('ada', 1, 5), pending('ada', 2, 7)];
    expect(stillAwaited(awaiting, board(6, [])).map((entry) => entry.seq)).toEqual([7]);
    expect(stillAwaited(awaiting, null)).toEqual([]);
  });
});

describe('boardsShown', () => {
  it('shows the open board with its live player count', () => {
    const listed = [{ ...board(1, []), players: undefined, playerCount: 0 }].map(
      ({ players: _players, ...rest }) => rest,
    );
    const open = board(4, [player('ada', 0, 1), player('bob', 0, 1), player('cy', 0, 1)]);
    expect(boardsShown(listed, open)).toEqual([expect.objectContaining({ id: 'b1', playerCount: 3, seq: 4 })]);
  });

  it('adds a board joined by id that the list does not name yet', () => {
    expect(boardsShown([], board(1, [player('ada', 0, 1)]))).toEqual([
      expect.objectContaining({ id: 'b1', playerCount: 1 }),
    ]);
  });
});
