import { describe, expect, it } from '@jest/globals';
import { timeOrderedId, type User } from '@tandem/contract';
import { DomainEvents } from '../../../apps/api/src/common/domain-events.js';
import { BoardStates } from '../../../apps/api/src/scoreboard/board-states.js';
import { SpaceKinds } from '../../../apps/api/src/space-kinds.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { publicSpace, twoUsers } from './two-users.js';

/**
 * A board's kept ranking (`BoardStates`) against a full read of the database, on every database:
 * one that hears the node's commits follows them; one that hears none (as if every write were
 * another process's) reads the board again whenever its seq moved.
 */
export function boardStatesCases(open: () => Promise<DataLayerDatabase>): void {
  let node: DataLayerNode;
  let ann: User;
  twoUsers(open, (world) => ({ node, ann } = world));

  describe('BoardStates', () => {
    it('answers what a full read answers after every kind of change, hearing the commits or not', async () => {
      const record = await publicSpace(node, SpaceKinds.board, 'kept', ann);
      const boardId = record.id;
      const hearing = new BoardStates(node.boards, node.events);
      const deaf = new BoardStates(node.boards, new DomainEvents());
      const agree = async () => {
        const full = await node.boards.readState(boardId);
        expect(await hearing.state(boardId)).toEqual(full);
        expect(await deaf.state(boardId)).toEqual(full);
        return full!;
      };
      expect(await agree()).toEqual({ boardId, seq: 0, round: 1, players: [] });

      const write = <T>(work: Parameters<typeof node.units.write<T>>[0]) => node.units.write(work);
      const score = (playerId: string, delta: number, round = 1) =>
        write((context) =>
          node.boards.addScore(context, { boardId, round, playerId, delta, userId: ann.id, opId: timeOrderedId() }),
        );
      const [a, b, c] = await write(async (context) => [
        await node.boards.addPlayer(context, { boardId, name: 'a', userId: ann.id }),
        await node.boards.addPlayer(context, { boardId, name: 'b' }),
        await node.boards.addPlayer(context, { boardId, name: 'c' }),
      ]);
      await agree();
      await score(c.id, 4);
      await score(b.id, 4);
      await score(a.id, -1);
      await write((context) => node.boards.renamePlayer(context, { boardId, playerId: b.id, name: 'bee' }));
      expect((await agree()).players.map((player) => [player.name, player.rank])).toEqual([
        ['c', 1],
        ['bee', 1],
        ['a', 3],
      ]);
      await write((context) => node.boards.removePlayer(context, { boardId, playerId: c.id }));
      await agree();
      // A reset is not followed change by change: the node that made it is handed the next round's
      // ranking (as the service does), one that did not make it reads the board again.
      const reset = await write(async (context) => {
        const done = await node.boards.resetBoard(context, { ...record, round: 1 });
        hearing.afterReset(boardId, done.ranked);
        return done;
      });
      expect(await agree()).toMatchObject({ round: 2, players: [{ score: 0 }, { score: 0 }] });
      expect(hearing.kept(boardId)).toBe(reset.ranked);
      await score(b.id, 2, reset.record.round);
      expect((await agree()).seq).toBe(10);
      hearing.onModuleDestroy();
      deaf.onModuleDestroy();
    });

    it('answers null for a board that does not exist', async () => {
      const sut = new BoardStates(node.boards, node.events);
      expect(await sut.state('nowhere')).toBeNull();
      expect(await sut.read('nowhere')).toBeNull();
      sut.onModuleDestroy();
    });
  });
}
