import { describe, expect, it } from '@jest/globals';
import { toJson } from '../common/encoded-once.js';
import { BoardFact } from './board-records.js';
import { RankedBoard, type BoardChange, type Moved } from './ranked-board.js';
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
        // In 32-bit integers: a product past 2^53 loses its low bits, and every draw came out 0.
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
        return (seed >>> 8) % below;
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

  describe('movedUpTo and rankWith', () => {
    const score = (seq: number, playerId: string, delta: number): BoardChange => ({
      seq,
      event: BoardFact.ScoreAdded,
      data: { playerId, delta },
    });

    it("rank a transaction's changes as the board stands after each, in seq order whatever order they were published in (fixed seed)", () => {
      let seed = 11;
      const draw = (below: number) => {
        // In 32-bit integers: a product past 2^53 loses its low bits, and every draw came out 0.
        seed = (Math.imul(seed, 1_103_515_245) + 12_345) & 0x7fffffff;
        return (seed >>> 8) % below;
      };
      for (let round = 0; round < 200; round++) {
        const scores = new Map<string, number>();
        const rows = Array.from({ length: 1 + draw(12) }, (_, index) => row(`p${index}`, draw(7) - 3));
        rows.sort((x, y) => y.score - x.score).forEach((entry) => scores.set(entry.id, entry.score));
        const sut = RankedBoard.from(50, 1, rows);
        const changes: BoardChange[] = [];
        const expected = new Map<number, number>();
        for (let seq = 51; seq <= 50 + 1 + draw(20); seq++) {
          const known = [...scores.keys()];
          const playerId = known[draw(known.length)];
          if (!playerId || draw(8) === 0) {
            changes.push({ seq, event: BoardFact.PlayerAdded, data: { playerId: `n${seq}`, name: 'n' } });
            scores.set(`n${seq}`, 0);
          } else if (draw(12) === 0) {
            changes.push({ seq, event: BoardFact.PlayerRemoved, data: { playerId } });
            scores.delete(playerId);
          } else {
            const delta = draw(5) - 2;
            changes.push(score(seq, playerId, delta));
            const now = scores.get(playerId)! + delta;
            scores.set(playerId, now);
            expected.set(seq, 1 + [...scores].filter(([id, other]) => id !== playerId && other > now).length);
          }
        }
        const published = [...changes].sort(() => draw(3) - 1);
        const ranked = (from: readonly BoardChange[], change: BoardChange) => {
          const moved = sut.movedUpTo(from, change.seq);
          return moved && sut.rankWith(moved, change.data.playerId!, moved.get(change.data.playerId!)!);
        };
        const scored = changes.filter((change) => change.event === BoardFact.ScoreAdded);
        for (const change of scored) expect(ranked(published, change)).toBe(expected.get(change.seq));
        // Asked in a drawn order, some seqs again or lower than the last asked.
        for (const change of [...scored, ...scored].sort(() => draw(3) - 1))
          expect(ranked(published, change)).toBe(expected.get(change.seq));
        // As a transaction asks: each change right after it is published, the earlier seqs in or
        // not yet; each ranked once all have asked (its work ranks after an await).
        const growing: BoardChange[] = [];
        const asked: [BoardChange, Moved | undefined, boolean][] = [];
        for (const change of published) {
          growing.push(change);
          if (change.event !== BoardFact.ScoreAdded) continue;
          const complete = growing.filter((other) => other.seq <= change.seq).length === change.seq - 50;
          asked.push([change, sut.movedUpTo(growing, change.seq), complete]);
        }
        for (const [change, moved, complete] of asked) {
          const { playerId } = change.data;
          const rank = moved && sut.rankWith(moved, playerId!, moved.get(playerId!)!);
          expect(rank).toBe(complete ? expected.get(change.seq) : undefined);
        }
        expect(sut.seq).toBe(50);
      }
    });

    it('ranks ties as standard competition ranking does: 1 + the players strictly above', () => {
      const sut = board();
      const moved = sut.movedUpTo([score(11, 'd', 3)], 11)!;
      expect(sut.rankWith(moved, 'd', 3)).toBe(2);
      const overtaking = [score(11, 'd', 3), score(12, 'd', 3)];
      expect(sut.rankWith(sut.movedUpTo(overtaking, 12)!, 'd', 6)).toBe(1);
      expect(sut.rankWith(sut.movedUpTo([...overtaking, score(13, 'a', 1)], 13)!, 'a', 6)).toBe(1);
    });

    it('tells nothing when the changes do not follow its seq or it cannot follow one', () => {
      const sut = board();
      expect(sut.movedUpTo([score(12, 'a', 1)], 12)).toBeUndefined();
      expect(sut.movedUpTo([score(10, 'a', 1)], 10)).toBeUndefined();
      expect(sut.movedUpTo([score(11, 'nobody', 1)], 11)).toBeUndefined();
      expect(
        sut.movedUpTo([{ seq: 11, event: BoardFact.BoardReset, data: {} }, score(12, 'a', 1)], 12),
      ).toBeUndefined();
      const removed = { seq: 11, event: BoardFact.PlayerRemoved, data: { playerId: 'a' } };
      expect(sut.movedUpTo([removed, score(12, 'a', 1)], 12)).toBeUndefined();
      expect(sut.movedUpTo([removed, score(12, 'b', 1)], 12)).toEqual(
        new Map([
          ['a', null],
          ['b', 4],
        ]),
      );
    });
  });
});
