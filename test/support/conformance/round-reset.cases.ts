import { expect, it } from '@jest/globals';
import { timeOrderedId, type User } from '@tandem/contract';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { publicSpace, twoUsers } from './two-users.js';

/** A reset archives the standings exactly as the board showed them before it, on every database. */
export function roundResetCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  twoUsers(open, (world) => ({ node, ann } = world));

  const newBoard = async () => {
    const space = await publicSpace(node, SpaceKinds.board, 'rounds', ann);
    return { ...space, round: 1 };
  };

  it('archives the ranked standings as the board showed them: ties, players of users, removed ones left out', async () => {
    const board = await newBoard();
    const players = await node.units.write(async (context) => {
      const added = [];
      for (let index = 0; index < 12; index++) {
        const userId = index % 3 === 0 ? ann.id : undefined;
        added.push(await node.boards.addPlayer(context, { boardId: board.id, name: `p "${index}" é`, userId }));
      }
      return added;
    });
    // Fixed scores with ties (10, 10, 5, 5, 5, 0, …, a negative one), in an order unlike the joins'.
    const deltas = [5, 10, 0, 5, -3, 10, 5, 0, 0, 7, 0, 0];
    for (const [index, delta] of deltas.entries()) {
      if (delta === 0) continue;
      await node.units.write((context) =>
        node.boards.addScore(context, {
          boardId: board.id,
          round: 1,
          playerId: players[11 - index].id,
          delta,
          userId: ann.id,
          opId: timeOrderedId(),
        }),
      );
    }
    await node.units.write((context) =>
      node.boards.removePlayer(context, { boardId: board.id, playerId: players[2].id }),
    );
    const before = (await node.boards.readBoard(board.id))!.players;
    expect(before).toHaveLength(11);
    expect(new Set(before.map((player) => player.rank)).size).toBeLessThan(11);
    expect(before.some((player) => player.userId === ann.id)).toBe(true);

    const next = await node.units.write((context) => node.boards.resetBoard(context, board));
    const [archived] = await node.boards.history(board.id, 1);
    expect(archived.round).toBe(1);
    // The same players, ranks, order and keys (`userId` only when set).
    expect(JSON.stringify(archived.standings)).toBe(JSON.stringify(before));
    const after = await node.boards.readBoard(board.id);
    expect(after?.record.round).toBe(next.record.round);
    expect(after?.players.every((player) => player.score === 0 && player.rank === 1)).toBe(true);
    // The next round's ranking the reset made (its ack, the kept ranking) is the board as read.
    expect(next.ranked.seq).toBe(after?.seq);
    expect(JSON.stringify(next.ranked.rankedPlayers())).toBe(JSON.stringify(after?.players));
  });

  it('archives an empty round as no standings', async () => {
    const board = await newBoard();
    await node.units.write((context) => node.boards.resetBoard(context, board));
    expect(await node.boards.history(board.id, 5)).toMatchObject([{ round: 1, standings: [] }]);
  });
}
