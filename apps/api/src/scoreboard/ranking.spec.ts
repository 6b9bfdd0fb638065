import { describe, expect, it } from '@jest/globals';
import { rankPlayers } from './ranking.js';

describe(rankPlayers.name, () => {
  const ranksOf = (scores: number[]) => rankPlayers(scores.map((score) => ({ score }))).map((player) => player.rank);

  it('gives tied players the same rank and skips the ranks they share (1, 2, 2, 4)', () => {
    expect(ranksOf([10, 7, 7, 3])).toEqual([1, 2, 2, 4]);
    expect(ranksOf([5, 5, 5])).toEqual([1, 1, 1]);
    expect(ranksOf([9, 9, 4, 4, 4, 1])).toEqual([1, 1, 3, 3, 3, 6]);
  });

  it('ranks negative scores and zero like any other', () => {
    expect(ranksOf([0, -1, -1, -50])).toEqual([1, 2, 2, 4]);
  });

  it('keeps the given order inside a tie and the players as they were', () => {
    const sut = rankPlayers([
      { id: 'first-to-7', score: 7 },
      { id: 'second-to-7', score: 7 },
    ]);
    expect(sut).toEqual([
      { id: 'first-to-7', score: 7, rank: 1 },
      { id: 'second-to-7', score: 7, rank: 1 },
    ]);
  });

  it('ranks an empty board as empty', () => {
    expect(rankPlayers([])).toEqual([]);
  });
});
