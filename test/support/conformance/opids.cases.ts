import { describe, expect, it, jest } from '@jest/globals';
import { ErrorCode, Namespace, timeOrderedId } from '@tandem/contract';
import { Sql, type Prepared } from '../../../apps/api/src/db/sql.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { append, twoNodes } from './two-nodes.js';

/** A command's opId and a snapshot read across two nodes: the same cases on every database. */
export function opIdCases(open: () => Promise<DataLayerDatabase>): void {
  const nodes = twoNodes(open);

  describe('opId', () => {
    it('applies a command once and answers a retry with the stored result', async () => {
      const userId = timeOrderedId();
      const opId = timeOrderedId();
      let runs = 0;
      const work = async () => ({ run: ++runs });
      expect(await nodes.a.units.once(userId, opId, 'test:command', work)).toEqual({ run: 1 });
      expect(await nodes.a.units.once(userId, opId, 'test:command', work)).toEqual({ run: 1 });
      expect(runs).toBe(1);
      await expect(nodes.a.units.once(userId, opId, 'test:other', work)).rejects.toMatchObject({
        code: ErrorCode.Conflict,
      });
    });

    it('applies the same opId sent to two nodes at once exactly once; both get the same answer', async () => {
      const userId = timeOrderedId();
      const opId = timeOrderedId();
      const stream = `test:${timeOrderedId()}`;
      const send = (node: DataLayerNode) =>
        node.units.once(userId, opId, 'test:append', async (context) => {
          const { seq } = await node.changeLog.append(context, {
            namespace: Namespace.Chat,
            stream,
            event: 'test:appended',
            data: (seq) => ({ seq }),
          });
          return { seq };
        });
      const answers = await Promise.all([send(nodes.a), send(nodes.b), send(nodes.a), send(nodes.b)]);
      expect(new Set(answers.map((answer) => answer.seq))).toEqual(new Set([1]));
      expect(await nodes.a.changeLog.currentSeq(stream)).toBe(1);
    });

    it('looks up the opIds of works sent together in one batch, each with its own answer', async () => {
      const [userId, otherUserId, stored, fresh] = [timeOrderedId(), timeOrderedId(), timeOrderedId(), timeOrderedId()];
      await nodes.a.units.once(userId, stored, 'test:command', async () => ({ run: 'first' }));
      const send = (user: string, opId: string, command: string) =>
        nodes.a.units.once(user, opId, command, async () => ({ run: `${user}:${opId}` }), { overlaps: true });
      const answers = await Promise.allSettled([
        send(userId, stored, 'test:command'),
        send(userId, fresh, 'test:command'),
        // Another user's opId may be the same string: it is theirs alone.
        send(otherUserId, stored, 'test:command'),
        send(userId, stored, 'test:other'),
      ]);
      expect(answers.slice(0, 3)).toEqual([
        { status: 'fulfilled', value: { run: 'first' } },
        { status: 'fulfilled', value: { run: `${userId}:${fresh}` } },
        { status: 'fulfilled', value: { run: `${otherUserId}:${stored}` } },
      ]);
      expect(answers[3]).toMatchObject({ status: 'rejected', reason: { code: ErrorCode.Conflict } });
    });

    it('looks up the opIds of a batch in one statement when its works run one after another too', async () => {
      const [userId, stored, fresh, other] = [timeOrderedId(), timeOrderedId(), timeOrderedId(), timeOrderedId()];
      await nodes.a.units.once(userId, stored, 'test:command', async () => ({ run: 'first' }));
      const lookups = jest.spyOn(Sql.prototype, 'all');
      try {
        const send = (opId: string) => nodes.a.units.once(userId, opId, 'test:command', async () => ({ run: opId }));
        expect(await Promise.all([send(stored), send(fresh), send(other)])).toEqual([
          { run: 'first' },
          { run: fresh },
          { run: other },
        ]);
        const processedOps = lookups.mock.calls.filter(([query], index) => {
          const { source, shape } = query as Prepared<unknown>;
          const sql = lookups.mock.contexts[index] as Sql;
          return source?.compiled(sql.dialect, shape).sql.includes('from "ProcessedOp"');
        });
        expect(processedOps).toHaveLength(1);
      } finally {
        lookups.mockRestore();
      }
    });

    it('answers a replay through `replay`, in a transaction of its own', async () => {
      const userId = timeOrderedId();
      const opId = timeOrderedId();
      await nodes.a.units.once(userId, opId, 'test:command', async () => ({ text: 'first' }));
      const replayed = await nodes.a.units.once(userId, opId, 'test:command', async () => ({ text: 'never' }), {
        replay: async (stored) => ({ text: `${stored.text}, replayed` }),
      });
      expect(replayed).toEqual({ text: 'first, replayed' });
    });
  });

  describe('snapshot', () => {
    it('reads one committed moment', async () => {
      const stream = `test:${timeOrderedId()}`;
      await append(nodes.a, stream);
      const seen = await nodes.b.database.snapshot(async (sql) => [
        await nodes.b.changeLog.currentSeq(stream, sql),
        (await nodes.b.changeLog.since(stream, 0, 10, sql)).length,
      ]);
      expect(seen).toEqual([1, 1]);
    });
  });
}
