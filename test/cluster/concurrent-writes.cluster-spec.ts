import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import { ChatCommand, Namespace, ScoreboardBroadcast, ScoreboardCommand } from '@tandem/contract';
import type { BoardState, ChatCommandResults, ScoreboardCommandResults } from '@tandem/contract';
import { commandOk, connect, eventually, record, signIn, socketFor } from '../support/clients.js';
import { describeWithServices } from '../support/services.js';
import { chatOn, roomOn, serverPair } from '../support/server-pair.js';

const describeWhenServicesRun = await describeWithServices('the cluster suite');

describeWhenServicesRun('two nodes on Redis and PostgreSQL', () => {
  const cluster = serverPair();

  it('gives 50 concurrent sends from both nodes gap-free seqs', async () => {
    const roomId = await roomOn(cluster.nodeA);
    const onA = await chatOn(cluster.nodeA, 'a-writer');
    const onB = await chatOn(cluster.nodeB, 'b-writer');
    await commandOk(onA.socket, ChatCommand.RoomJoin, { roomId });
    // Each first join is announced by a system message, which takes a seq like any message.
    const { seq: joinedAt } = await commandOk<{ seq: number }>(onB.socket, ChatCommand.RoomJoin, { roomId });
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        commandOk<ChatCommandResults['message:send']>(i % 2 ? onA.socket : onB.socket, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId,
          text: `concurrent ${i}`,
        }),
      ),
    );
    const seqs = acks.map((ack) => ack.message.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => joinedAt + i + 1));
    const stored = await cluster.sql.query<{ seq: number }>(
      'SELECT seq FROM "Message" WHERE "roomId" = $1 ORDER BY seq',
      [roomId],
    );
    expect(stored.rows.map((row) => row.seq)).toEqual(Array.from({ length: joinedAt + 50 }, (_, i) => i + 1));
    // The room's log: `Change` rows, and the `message:created` records its messages keep.
    const changes = await cluster.sql.query<{ seq: number }>(
      `SELECT seq FROM "Change" WHERE "streamKey" = $1
       UNION ALL SELECT seq FROM "Message" WHERE "roomId" = $2 AND "createdChange" IS NOT NULL ORDER BY seq`,
      [`chat:${roomId}`, roomId],
    );
    expect(changes.rows.map((row) => row.seq)).toEqual(stored.rows.map((row) => row.seq));
  });

  it('ends 400 increments from both nodes exact, in the database and in every last board state', async () => {
    const ownerSession = await signIn(cluster.nodeA.url, 'owner');
    const owner = await connect(socketFor(cluster.nodeA.url, Namespace.Scoreboard, ownerSession.token));
    const { board } = await commandOk<ScoreboardCommandResults['board:create']>(owner, ScoreboardCommand.BoardCreate, {
      name: 'duel',
    });
    const { player } = await commandOk<ScoreboardCommandResults['player:add']>(owner, ScoreboardCommand.PlayerAdd, {
      opId: randomUUID(),
      boardId: board.id,
      name: 'shared',
    });
    const writers = await Promise.all(
      [cluster.nodeA, cluster.nodeB, cluster.nodeA, cluster.nodeB].map(async (node, i) => {
        const session = await signIn(node.url, `incrementer-${i}`);
        const socket = await connect(socketFor(node.url, Namespace.Scoreboard, session.token));
        await commandOk(socket, ScoreboardCommand.BoardJoin, { boardId: board.id });
        return { socket, states: record<BoardState>(socket, ScoreboardBroadcast.BoardState) };
      }),
    );
    await Promise.all(
      writers.map(async ({ socket }) => {
        for (let i = 0; i < 100; i += 20) {
          await Promise.all(
            Array.from({ length: 20 }, () =>
              commandOk(socket, ScoreboardCommand.ScoreAdd, {
                opId: randomUUID(),
                boardId: board.id,
                playerId: player.id,
                delta: 1,
              }),
            ),
          );
        }
      }),
    );
    const stored = await cluster.sql.query<{ score: number }>('SELECT score FROM "Player" WHERE id = $1', [player.id]);
    expect(stored.rows[0].score).toBe(400);
    const latestScore = (states: BoardState[]) =>
      states
        .reduce<BoardState | undefined>(
          (latest, state) => (!latest || state.seq > latest.seq ? state : latest),
          undefined,
        )
        ?.players.find((candidate) => candidate.id === player.id)?.score;
    for (const { states } of writers)
      await eventually(() => latestScore(states) === 400, 'the final board state on every client');
  });
});
