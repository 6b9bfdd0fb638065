import { beforeAll, describe, expect, it } from '@jest/globals';
import { timeOrderedId, type Player, type User } from '@tandem/contract';
import { DomainEvents } from '../../../apps/api/src/common/domain-events.js';
import type { UnitOfWork } from '../../../apps/api/src/db/database.service.js';
import type { Sql } from '../../../apps/api/src/db/sql.js';
import { BoardStates } from '../../../apps/api/src/scoreboard/board-states.js';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { twoNodes } from './two-nodes.js';
import { publicSpace } from './two-users.js';

type Added = { player: Player; seq: number } | null;

/**
 * The rank a `score:add` answers, on every database: exact at each update of a transaction that
 * adds to several players of one board (in seq order: ties rank alike, an overtaking player ranks
 * first), whether the node's kept ranking of the board answers it (it is as new as the board the
 * transaction found) or the database counts it (the ranking is behind: a commit it did not hear,
 * another node's).
 */
export function boardRanksCases(open: () => Promise<DataLayerDatabase>): void {
  const nodes = twoNodes(open);
  let ann: User;
  beforeAll(async () => {
    ann = await nodes.a.users.create(`ann-${timeOrderedId()}`);
  });

  /** A board whose players have these scores, and their ids by name. */
  const board = async (scores: Record<string, number>) => {
    const { a } = nodes;
    const { id: boardId } = await publicSpace(a, SpaceKinds.board, 'ranks', ann);
    const ids: Record<string, string> = {};
    for (const [name, score] of Object.entries(scores)) {
      const player = await a.units.write((context) => a.boards.addPlayer(context, { boardId, name }));
      ids[name] = player.id;
      if (score !== 0) await add(a, boardId, [[player.id, score]]);
    }
    return { boardId, ids };
  };

  /**
   * Adds each delta in a work of its own, the works overlapping in one transaction of `node`, ranked
   * with `states`' kept ranking; `counted`: whether each update counted the players above in the database.
   */
  const add = async (node: DataLayerNode, boardId: string, deltas: [string, number][], states?: BoardStates) => {
    const counted: boolean[] = [];
    const results = await Promise.all(
      deltas.map(([playerId, delta]) =>
        node.database.write(
          (context) =>
            node.boards.addScore(
              watching(context, counted),
              { boardId, round: 1, playerId, delta, userId: ann.id, opId: timeOrderedId() },
              states?.kept(boardId),
            ),
          true,
        ),
      ),
    );
    return { results, counted };
  };

  /** Each result's rank as the board stands right after its change: 1 + the players strictly above. */
  const expectExact = async (node: DataLayerNode, boardId: string, before: Map<string, number>, results: Added[]) => {
    const scores = new Map(before);
    for (const added of [...results].sort((x, y) => x!.seq - y!.seq)) {
      const { id, score, rank } = added!.player;
      scores.set(id, score);
      expect(rank).toBe(1 + [...scores].filter(([other, at]) => other !== id && at > score).length);
    }
    const state = await node.boards.readState(boardId);
    expect(new Map(state!.players.map((player) => [player.id, player.score]))).toEqual(scores);
  };

  const scoresOf = async (boardId: string) =>
    new Map((await nodes.a.boards.readState(boardId))!.players.map((player) => [player.id, player.score]));

  describe('ranks of one transaction', () => {
    it('answers ties and an overtaking player from the kept ranking, batch after batch, without counting', async () => {
      const { boardId, ids } = await board({ a: 5, b: 3, c: 3, d: 0 });
      const states = new BoardStates(nodes.a.boards, nodes.a.events);
      await states.read(boardId);
      const { a, b, c, d } = ids as Record<'a' | 'b' | 'c' | 'd', string>;
      for (const deltas of [
        [
          [d, 3],
          [b, 1],
          [d, 3],
          [c, 3],
          [a, 1],
        ],
        [
          [b, 2],
          [c, -10],
          [b, 1],
          [a, 1],
        ],
      ] as [string, number][][]) {
        const before = await scoresOf(boardId);
        const { results, counted } = await add(nodes.a, boardId, deltas, states);
        await expectExact(nodes.a, boardId, before, results);
        // The kept ranking followed the previous transaction's commit: it is as new as the board.
        expect(counted).toEqual(deltas.map(() => false));
      }
      states.onModuleDestroy();
    });

    it("answers from the kept ranking and the transaction's earlier changes: a player added and scored in one work", async () => {
      const { boardId, ids } = await board({ a: 2, b: 0 });
      const states = new BoardStates(nodes.a.boards, nodes.a.events);
      await states.read(boardId);
      const { a } = nodes;
      const counted: boolean[] = [];
      const ranks = await a.units.write(async (unwatched) => {
        const context = watching(unwatched, counted);
        const player = await a.boards.addPlayer(context, { boardId, name: 'new' }, states.kept(boardId));
        const scored = (playerId: string, delta: number) =>
          a.boards.addScore(
            context,
            { boardId, round: 1, playerId, delta, userId: ann.id, opId: timeOrderedId() },
            states.kept(boardId),
          );
        return [
          (await scored(player.id, 1))!.player.rank,
          (await scored(ids.b, 2))!.player.rank,
          (await scored(player.id, 1))!.player.rank,
          (await scored(ids.a, -1))!.player.rank,
        ];
      });
      // new at 1 (a above), b at 2 (ties a), new at 2 (ties both), a at 1 (both above).
      expect(ranks).toEqual([2, 1, 1, 3]);
      expect(counted).toEqual([false, false, false, false, false]);
      states.onModuleDestroy();
    });

    it('ranks an added and a renamed player from the kept ranking, or, when it missed a commit, by counting', async () => {
      const { boardId, ids } = await board({ a: 2, b: 0, c: -1 });
      const { a } = nodes;
      const hearing = new BoardStates(a.boards, a.events);
      const deaf = new BoardStates(a.boards, new DomainEvents());
      for (const states of [hearing, deaf]) await states.read(boardId);
      await add(a, boardId, [[ids.b, 1]]);
      for (const [states, counts] of [
        [hearing, false],
        [deaf, true],
      ] as const) {
        const counted: boolean[] = [];
        const ranks = await a.units.write(async (unwatched) => {
          const context = watching(unwatched, counted);
          const kept = states.kept(boardId);
          await a.boards.addScore(
            context,
            { boardId, round: 1, playerId: ids.b, delta: 2, userId: ann.id, opId: timeOrderedId() },
            kept,
          );
          const rename = (playerId: string, name: string) =>
            a.boards.renamePlayer(context, { boardId, playerId, name }, kept);
          return [
            (await a.boards.addPlayer(context, { boardId, name: 'new' }, kept)).rank,
            (await rename(ids.c, 'cee')).rank,
            (await rename(ids.a, 'ay')).rank,
          ];
        });
        // b (3, then 5) and a (2) above each new player at 0; c at -1 below them all.
        expect(ranks).toEqual(counts ? [3, 5, 2] : [3, 4, 2]);
        expect(counted).toEqual([counts, counts, counts, counts]);
      }
      for (const states of [hearing, deaf]) states.onModuleDestroy();
    });

    it('counts in the database when the kept ranking missed a commit, and ranks exactly', async () => {
      const { boardId, ids } = await board({ a: 4, b: 2, c: 0 });
      const deaf = new BoardStates(nodes.a.boards, new DomainEvents());
      await deaf.read(boardId);
      await add(nodes.a, boardId, [[ids.c, 3]]);
      const before = await scoresOf(boardId);
      const deltas: [string, number][] = [
        [ids.b, 2],
        [ids.c, 1],
        [ids.a, -1],
      ];
      const { results, counted } = await add(nodes.a, boardId, deltas, deaf);
      await expectExact(nodes.a, boardId, before, results);
      expect(counted).toEqual([true, true, true]);
      deaf.onModuleDestroy();
    });

    it("ranks exactly on a second node whose kept ranking is behind the first node's commits", async () => {
      const { boardId, ids } = await board({ a: 3, b: 1 });
      const second = new BoardStates(nodes.b.boards, nodes.b.events);
      await second.read(boardId);
      await add(nodes.a, boardId, [
        [ids.b, 3],
        [ids.a, -1],
      ]);
      const before = await scoresOf(boardId);
      const deltas: [string, number][] = [
        [ids.a, 1],
        [ids.b, -2],
        [ids.a, 1],
      ];
      const { results, counted } = await add(nodes.b, boardId, deltas, second);
      await expectExact(nodes.b, boardId, before, results);
      // On SQLite both are one node (one writer), which heard the commits.
      const distinct = nodes.a !== nodes.b;
      expect(counted).toEqual(deltas.map(() => distinct));
      second.onModuleDestroy();
    });
  });
}

/** `context` whose statements of the score's update tell whether they counted the players above (see `addToScore`). */
function watching(context: UnitOfWork, counted: boolean[]): UnitOfWork {
  const sql = Object.create(context.sql) as Sql;
  const all: Sql['all'] = (query) => {
    const shape = (query as { shape?: { counted?: boolean } }).shape;
    if (typeof shape?.counted === 'boolean') counted.push(shape.counted);
    return context.sql.all(query);
  };
  sql.all = all;
  return { ...context, sql };
}
