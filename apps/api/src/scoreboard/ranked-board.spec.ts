import { describe, expect, it } from '@jest/globals';
import { toJson } from '../common/encoded-once.js';
import { BoardFact } from './board-records.js';
import { RankedBoard, type BoardChange } from './ranked-board.js';
import { rankPlayers } from './ranking.js';

describe(RankedBoard.name, () => {
  const row = (id: string, score: number) => ({ id, name: id, userId: null, score });
  const board = () => RankedBoard.from(10, 1, [row('a', 5), row('b', 3), row('c', 3), row('d', 0)]);
  const ids = (sut: RankedBoard) => sut.rankedPlayers().map((player) => `${player.id}${player.rank}`);

  describe('apply', () => {
    it('moves a scored player behind those who reached the new score before', () => {
      const sut = board();
      expect(sut.apply({ seq: 11, event: BoardFact.ScoreAdded, data: { playerId: 'd', delta: 3 } })).toBe(true);
      expect(ids(sut)).toEqual(['a1', 'b2', 'c2', 'd2']);
      sut.apply({ seq: 12, event: BoardFact.ScoreAdded, data: { playerId: 'b', delta: -4 } });
      expect(ids(sut)).toEqual(['a1', 'c2', 'd2', 'b4']);
      sut.apply({ seq: 13, event: BoardFact.ScoreAdded, data: { playerId: 'c', delta: 10 } });
      expect(ids(sut)).toEqual(['c1', 'a2', 'd3', 'b4']);
      expect(sut.seq).toBe(13);
    });

    it('adds a player at 0 behind those already there, renames and removes', () => {
      const sut = board();
      sut.apply({ seq: 11, event: BoardFact.PlayerAdded, data: { playerId: 'e', name: 'eve', userId: 'u' } });
      sut.apply({ seq: 12, event: BoardFact.PlayerRenamed, data: { playerId: 'a', name: 'ada' } });
      sut.apply({ seq: 13, event: BoardFact.PlayerRemoved, data: { playerId: 'b' } });
      expect(sut.rankedPlayers()).toEqual([
        { id: 'a', name: 'ada', score: 5, rank: 1 },
        { id: 'c', name: 'c', score: 3, rank: 2 },
        { id: 'd', name: 'd', score: 0, rank: 3 },
        { id: 'e', name: 'eve', score: 0, rank: 3, userId: 'u' },
      ]);
    });

    it('refuses what it cannot follow: a gap, a reset, an unknown player, a known one added again', () => {
      const refused: BoardChange[] = [
        { seq: 12, event: BoardFact.ScoreAdded, data: { playerId: 'a', delta: 1 } },
        { seq: 11, event: BoardFact.BoardReset, data: {} },
        { seq: 11, event: BoardFact.ScoreAdded, data: { playerId: 'nobody', delta: 1 } },
        { seq: 11, event: BoardFact.PlayerRenamed, data: { playerId: 'nobody', name: 'x' } },
        { seq: 11, event: BoardFact.PlayerAdded, data: { playerId: 'a', name: 'again' } },
      ];
      for (const change of refused) {
        const sut = board();
        expect(sut.apply(change)).toBe(false);
        expect(sut.seq).toBe(10);
      }
    });

    it('ranks as a full read would after any series of changes (fixed seed)', () => {
      let seed = 7;
      const draw = (below: number) => {
        seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
        return seed % below;
      };
      // The database's order: score, then the seq of the change that reached it, then joining order.
      const model = new Map<string, { id: string; score: number; reachedAt: number; joined: number }>();
      const sut = RankedBoard.from(0, 1, []);
      for (let seq = 1; seq <= 2_000; seq++) {
        const known = [...model.keys()];
        const playerId = known[draw(Math.max(known.length, 1))];
        if (!playerId || draw(10) === 0) {
          const id = `p${seq}`;
          model.set(id, { id, score: 0, reachedAt: seq, joined: seq });
          sut.apply({ seq, event: BoardFact.PlayerAdded, data: { playerId: id, name: id } });
        } else if (draw(20) === 0) {
          model.delete(playerId);
          sut.apply({ seq, event: BoardFact.PlayerRemoved, data: { playerId } });
        } else {
          const delta = draw(7) - 3 || 1;
          const player = model.get(playerId)!;
          model.set(playerId, { ...player, score: player.score + delta, reachedAt: seq });
          sut.apply({ seq, event: BoardFact.ScoreAdded, data: { playerId, delta } });
        }
      }
      const expected = rankPlayers(
        [...model.values()].sort((x, y) => y.score - x.score || x.reachedAt - y.reachedAt || x.joined - y.joined),
      ).map(({ id, score, rank }) => ({ id, name: id, score, rank }));
      expect(sut.seq).toBe(2_000);
      expect(sut.rankedPlayers()).toEqual(expected);
    });
  });

  describe('rankedPlayers', () => {
    it('writes the JSON a whole stringify would, through every change', () => {
      const sut = RankedBoard.from(1, 1, [
        { id: 'q', name: 'says "hi" \\ ünï', userId: 'u1', score: -2 },
        { id: 'r', name: 'r', userId: null, score: -2 },
      ]);
      const written = () => toJson(sut.rankedPlayers());
      expect(written()).toBe(JSON.stringify([...sut.rankedPlayers()]));
      sut.apply({ seq: 2, event: BoardFact.ScoreAdded, data: { playerId: 'r', delta: 5 } });
      sut.apply({ seq: 3, event: BoardFact.PlayerRenamed, data: { playerId: 'q', name: 'tab\there' } });
      sut.apply({ seq: 4, event: BoardFact.PlayerAdded, data: { playerId: 's', name: 's', userId: 'u2' } });
      expect(written()).toBe(JSON.stringify([...sut.rankedPlayers()]));
      expect(JSON.parse(written())).toEqual([
        { id: 'r', name: 'r', score: 3, rank: 1 },
        { id: 's', name: 's', score: 0, rank: 2, userId: 'u2' },
        { id: 'q', name: 'tab\there', score: -2, rank: 3, userId: 'u1' },
      ]);
    });

    it('makes the ranked players once per seq, frozen', () => {
      const sut = board();
      const first = sut.rankedPlayers();
      expect(sut.rankedPlayers()).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
      sut.apply({ seq: 11, event: BoardFact.PlayerRenamed, data: { playerId: 'a', name: 'ada' } });
      expect(sut.rankedPlayers()).not.toBe(first);
      expect(first[0]).toMatchObject({ name: 'a' });
    });
  });
});
