import { randomUUID } from 'node:crypto';
import { expect, it } from '@jest/globals';
import {
  ChatBroadcast,
  ChatCommand,
  Namespace,
  ScoreboardBroadcast,
  ScoreboardCommand,
  ScoreboardLimits,
} from '@tandem/contract';
import type {
  Ack,
  BoardState,
  ChatCommandResults,
  Message,
  MessageChanged,
  ScoreboardCommandResults,
} from '@tandem/contract';
import { command, commandOk, connect, eventually, record, signIn, socketFor } from '../support/clients.js';
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

  it("takes exactly the board's last places when both nodes add players at once near its most", async () => {
    const limit = ScoreboardLimits.playersPerBoard;
    const ownerSession = await signIn(cluster.nodeA.url, 'crowd-owner');
    const owner = await connect(socketFor(cluster.nodeA.url, Namespace.Scoreboard, ownerSession.token));
    const { board } = await commandOk<ScoreboardCommandResults['board:create']>(owner, ScoreboardCommand.BoardCreate, {
      name: 'crowd',
    });
    // Two writers on each node, each sending `count` adds `perBatch` at a time (the rate limits allow 20).
    const writers = await Promise.all(
      [cluster.nodeA, cluster.nodeB, cluster.nodeA, cluster.nodeB].map(async (node, i) => {
        const session = await signIn(node.url, `adder-${i}`);
        return connect(socketFor(node.url, Namespace.Scoreboard, session.token));
      }),
    );
    let named = 0;
    const addAll = (count: number, perBatch: number) =>
      Promise.all(
        writers.map(async (socket) => {
          const acks: Ack<ScoreboardCommandResults['player:add']>[] = [];
          for (let sent = 0; sent < count; sent += perBatch) {
            const batch = Array.from({ length: Math.min(perBatch, count - sent) }, () =>
              command<ScoreboardCommandResults['player:add']>(socket, ScoreboardCommand.PlayerAdd, {
                opId: randomUUID(),
                boardId: board.id,
                name: `player ${++named}`,
              }),
            );
            acks.push(...(await Promise.all(batch)));
          }
          return acks;
        }),
      ).then((perWriter) => perWriter.flat());
    const activeAndCounted = async () => {
      const { rows } = await cluster.sql.query<{ active: string; playerCount: number }>(
        `SELECT (SELECT count(*) FROM "Player" WHERE "boardId" = $1 AND "removedAt" IS NULL) AS active, "playerCount"
         FROM "Board" WHERE id = $1`,
        [board.id],
      );
      return { active: Number(rows[0].active), playerCount: rows[0].playerCount };
    };
    const accepted = (acks: Ack<unknown>[]) => acks.filter((ack) => ack.ok).length;
    const refusals = (acks: Ack<unknown>[]) => acks.flatMap((ack) => (ack.ok ? [] : [ack.error]));

    // 480 places taken from both nodes, then 60 adds at once for the last 20.
    const filled = await addAll(120, 20);
    expect(accepted(filled)).toBe(limit - 20);
    const last = await addAll(15, 15);
    expect(accepted(last)).toBe(20);
    const refused = refusals(last);
    expect(refused).toHaveLength(40);
    for (const error of refused)
      expect(error).toMatchObject({ code: 'CONFLICT', message: `a board holds at most ${limit} players` });
    expect(await activeAndCounted()).toEqual({ active: limit, playerCount: limit });

    // A place freed on one node is taken once, by one of the adds that race for it from both.
    const player = filled.find((ack) => ack.ok)!;
    await commandOk(owner, ScoreboardCommand.PlayerRemove, {
      opId: randomUUID(),
      boardId: board.id,
      playerId: player.ok ? player.data.player.id : '',
    });
    expect(await activeAndCounted()).toEqual({ active: limit - 1, playerCount: limit - 1 });
    const again = await addAll(2, 2);
    expect(accepted(again)).toBe(1);
    expect(refusals(again)).toEqual(Array.from({ length: 7 }, () => expect.objectContaining({ code: 'CONFLICT' })));
    expect(await activeAndCounted()).toEqual({ active: limit, playerCount: limit });
  });

  it("answers increments from both nodes with each one's exact rank at its seq: ties and overtakes", async () => {
    const ownerSession = await signIn(cluster.nodeA.url, 'rank-owner');
    const owner = await connect(socketFor(cluster.nodeA.url, Namespace.Scoreboard, ownerSession.token));
    const { board } = await commandOk<ScoreboardCommandResults['board:create']>(owner, ScoreboardCommand.BoardCreate, {
      name: 'ranks',
    });
    const players: string[] = [];
    for (const name of ['p0', 'p1', 'p2', 'p3']) {
      const { player } = await commandOk<ScoreboardCommandResults['player:add']>(owner, ScoreboardCommand.PlayerAdd, {
        opId: randomUUID(),
        boardId: board.id,
        name,
      });
      players.push(player.id);
    }
    // Each node keeps the board's ranking (its writers joined): a node's ranking is behind whenever the other wrote.
    const writers = await Promise.all(
      [cluster.nodeA, cluster.nodeB, cluster.nodeA, cluster.nodeB].map(async (node, i) => {
        const session = await signIn(node.url, `ranker-${i}`);
        const socket = await connect(socketFor(node.url, Namespace.Scoreboard, session.token));
        await commandOk(socket, ScoreboardCommand.BoardJoin, { boardId: board.id });
        return socket;
      }),
    );
    const acks: { delta: number; ack: ScoreboardCommandResults['score:add'] }[] = [];
    await Promise.all(
      writers.map(async (socket, w) => {
        for (let round = 0; round < 3; round++) {
          await Promise.all(
            Array.from({ length: 20 }, async (_, i) => {
              const delta = ((w * 7 + round * 5 + i * 3) % 5) - 2 || 1;
              const playerId = players[(w + i + round) % players.length];
              const ack = await commandOk<ScoreboardCommandResults['score:add']>(socket, ScoreboardCommand.ScoreAdd, {
                opId: randomUUID(),
                boardId: board.id,
                playerId,
                delta,
              });
              acks.push({ delta, ack });
            }),
          );
        }
      }),
    );
    const scores = new Map(players.map((id) => [id, 0]));
    for (const { delta, ack } of acks.sort((x, y) => x.ack.seq - y.ack.seq)) {
      const { id, score, rank } = ack.player;
      scores.set(id, scores.get(id)! + delta);
      expect({ seq: ack.seq, score, rank }).toEqual({
        seq: ack.seq,
        score: scores.get(id),
        rank: 1 + [...scores].filter(([other, at]) => other !== id && at > score).length,
      });
    }
    expect(acks).toHaveLength(240);
  });

  it("ends every message's last broadcast with the reactions both nodes committed to it at once", async () => {
    const roomId = await roomOn(cluster.nodeA);
    const onA = await chatOn(cluster.nodeA, 'a-reactor');
    const onB = await chatOn(cluster.nodeB, 'b-reactor');
    for (const { socket } of [onA, onB]) await commandOk(socket, ChatCommand.RoomJoin, { roomId });
    const heard = record<MessageChanged>(onA.socket, ChatBroadcast.MessageUpdated);
    const messages = await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const sent = await commandOk<ChatCommandResults['message:send']>(onA.socket, ChatCommand.MessageSend, {
          opId: randomUUID(),
          roomId,
          text: `react to ${i}`,
        });
        return sent.message.id;
      }),
    );
    // On each message, one reaction from each node at the same moment.
    await Promise.all(
      messages.flatMap((messageId) =>
        [
          { socket: onA.socket, emoji: '👍' },
          { socket: onB.socket, emoji: '🎉' },
        ].map(({ socket, emoji }) =>
          commandOk(socket, ChatCommand.ReactionToggle, { opId: randomUUID(), messageId, emoji }),
        ),
      ),
    );
    const reactionsOf = (message: Message) =>
      message.reactions.flatMap((reaction) => reaction.userIds.map((userId) => `${reaction.emoji} ${userId}`)).sort();
    const stored = await cluster.sql.query<{ messageId: string; emoji: string; userId: string }>(
      'SELECT "messageId", emoji, "userId" FROM "Reaction" WHERE "messageId" = ANY($1)',
      [messages],
    );
    const expected = (messageId: string) =>
      stored.rows
        .filter((row) => row.messageId === messageId)
        .map((row) => `${row.emoji} ${row.userId}`)
        .sort();
    const lastHeard = (messageId: string) =>
      heard
        .filter((change) => change.message.id === messageId)
        .reduce<MessageChanged | undefined>(
          (last, change) => (!last || change.seq > last.seq ? change : last),
          undefined,
        );
    await eventually(
      () => messages.every((messageId) => heard.filter((change) => change.message.id === messageId).length === 2),
      'both updates of every message',
    );
    const missed = messages.filter((messageId) => {
      const last = lastHeard(messageId);
      return !last || JSON.stringify(reactionsOf(last.message)) !== JSON.stringify(expected(messageId));
    });
    expect(stored.rows).toHaveLength(60);
    expect(missed).toEqual([]);
  });
});
