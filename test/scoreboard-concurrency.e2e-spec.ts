import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ScoreboardBroadcast, type BoardState } from '@tandem/contract';
import { eventually, record, scoreboardClient } from './support/clients.js';
import { addPlayer, createBoard, join, quiet, scoreboardSuite, scoresOf, sendAll } from './support/scoreboard.js';

describe('scoreboard', () => {
  const { server, stored, eventSum, twoOnABoard } = scoreboardSuite();

  // ---- concurrency and coalescing -----------------------------------------------------------

  describe('concurrency', () => {
    it('ends exact after 10 concurrent writers × 200 increments, in the database and in every client', async () => {
      const { socket: owner } = await scoreboardClient(server.url, 'owner');
      const board = await createBoard(owner);
      const players = [
        await addPlayer(owner, board.id, 'P1'),
        await addPlayer(owner, board.id, 'P2'),
        await addPlayer(owner, board.id, 'P3'),
      ];
      const writers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => scoreboardClient(server.url, `writer-${i}`)),
      );
      const heard = writers.map(({ socket }) => record<BoardState>(socket, ScoreboardBroadcast.BoardState));
      for (const { socket } of writers) await join(socket, board.id);

      const expected = new Map(players.map((player) => [player.id, 0]));
      const batches = writers.map(({ socket }, writer) =>
        Array.from({ length: 200 }, (_, k) => {
          const player = players[(writer + k) % players.length];
          const delta = ((writer * 200 + k) % 9) - 4 || 5;
          expected.set(player.id, (expected.get(player.id) ?? 0) + delta);
          return { socket, payload: { opId: randomUUID(), boardId: board.id, playerId: player.id, delta } };
        }),
      );
      const acks = await Promise.all(
        batches.map((batch) =>
          sendAll(
            batch[0].socket,
            batch.map((entry) => entry.payload),
          ),
        ),
      );
      expect(acks.flat().filter((ack) => !ack.ok)).toEqual([]);

      const inDatabase = stored(board.id);
      expect(scoresOf(inDatabase)).toEqual(Object.fromEntries(expected));
      expect(inDatabase.seq).toBe(players.length + 2_000);
      for (const player of players) expect(eventSum(player.id)).toBe(expected.get(player.id));
      expect(server.db.prepare('SELECT COUNT(*) AS n FROM ScoreEvent WHERE boardId = ?').get(board.id)).toEqual({
        n: 2_000,
      });

      for (const states of heard)
        await eventually(() => states.at(-1)?.seq === inDatabase.seq, 'the final state on every client');
      await quiet();
      for (const states of heard) {
        const last = states.at(-1) as BoardState;
        expect(last.seq).toBe(inDatabase.seq);
        expect(scoresOf(last)).toEqual(Object.fromEntries(expected));
        expect(last.players.map((player) => player.id)).toEqual(inDatabase.players.map((player) => player.id));
      }
    });

    it('coalesces a burst of 2,000 increments into a few dozen broadcasts, the last one exact', async () => {
      const { owner, guest, board } = await twoOnABoard();
      const player = await addPlayer(owner, board.id, 'Burst');
      const rival = await addPlayer(owner, board.id, 'Rival');
      await quiet();
      const heardByOwner = record<BoardState>(owner, ScoreboardBroadcast.BoardState);
      const heardByGuest = record<BoardState>(guest, ScoreboardBroadcast.BoardState);

      const acks = await sendAll(
        owner,
        Array.from({ length: 2_000 }, (_, i) => ({
          opId: randomUUID(),
          boardId: board.id,
          playerId: i % 4 === 0 ? rival.id : player.id,
          delta: 1,
        })),
      );
      expect(acks.every((ack) => ack.ok)).toBe(true);
      const inDatabase = stored(board.id);
      expect(scoresOf(inDatabase)).toEqual({ [player.id]: 1_500, [rival.id]: 500 });

      for (const states of [heardByOwner, heardByGuest]) {
        await eventually(() => states.at(-1)?.seq === inDatabase.seq, 'the final state', 2_000);
      }
      await quiet();
      for (const states of [heardByOwner, heardByGuest]) {
        expect(states.length).toBeGreaterThanOrEqual(2);
        expect(states.length).toBeLessThan(200);
        const seqs = states.map((state) => state.seq);
        expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
        expect(states.at(-1)).toEqual({
          boardId: board.id,
          seq: inDatabase.seq,
          round: 1,
          players: [
            { id: player.id, name: 'Burst', score: 1_500, rank: 1 },
            { id: rival.id, name: 'Rival', score: 500, rank: 2 },
          ],
        });
      }
    });
  });
});
