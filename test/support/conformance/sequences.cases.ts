import { describe, expect, it } from '@jest/globals';
import { ErrorCode, timeOrderedId } from '@tandem/contract';
import { DomainError } from '../../../apps/api/src/common/domain-error.js';
import type { Sequence } from '../../../apps/api/src/db/sequences.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { append, appendIn, onceNew, twoNodes } from './two-nodes.js';

/** A stream's seqs taken per batch (`UnitOfWork.take`): the same cases on every database. */
export function sequencesCases(open: () => Promise<DataLayerDatabase>): void {
  const nodes = twoNodes(open);

  describe('numbers taken per batch', () => {
    /** A sequence kept in the change streams' table, telling which statements it ran; `failing` refuses them. */
    const counting = (calls: string[], failing = false): Sequence => ({
      table: 'ChangeStream',
      async advance(counts, sql) {
        calls.push(`advance ${[...counts].map(([key, count]) => `${key.slice(-1)}+${count}`).join(' ')}`);
        const values = new Map<string, number>();
        for (const [key, count] of counts) {
          const row = await sql.first(
            sql.db
              .insertInto(failing ? ('Missing' as 'ChangeStream') : 'ChangeStream')
              .values({ key, seq: count })
              .onConflict((conflict) =>
                conflict.column('key').doUpdateSet((eb) => ({ seq: eb('ChangeStream.seq', '+', count) })),
              )
              .returning('seq'),
          );
          values.set(key, row!.seq);
        }
        return values;
      },
      async store(values, sql) {
        calls.push(`store ${[...values].map(([key, value]) => `${key.slice(-1)}=${value}`).join(' ')}`);
        for (const [key, seq] of values)
          await sql.run(sql.db.updateTable('ChangeStream').set({ seq }).where('key', '=', key));
      },
    });

    it('takes a batch’s numbers of a key in one statement, or counts on and stores them once, gap-free', async () => {
      const base = `test:${timeOrderedId()}:`;
      const calls: string[] = [];
      const sequence = counting(calls);
      const take = (key: string, overlaps: boolean) =>
        onceNew(nodes.a, (context) => context.take(sequence, key), overlaps);
      const taken = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => take(`${base}a`, i % 3 !== 2)),
        ...Array.from({ length: 3 }, () => take(`${base}b`, true)),
      ]);
      expect(taken.slice(0, 6).sort()).toEqual([1, 2, 3, 4, 5, 6]);
      expect(taken.slice(6).sort()).toEqual([1, 2, 3]);
      expect(await nodes.b.changeLog.currentSeqs([`${base}a`, `${base}b`])).toEqual(
        new Map([
          [`${base}a`, 6],
          [`${base}b`, 3],
        ]),
      );
      // One transaction: each key's first numbers in one statement, the others stored with one more.
      const advances = calls.filter((call) => call.startsWith('advance'));
      expect(
        advances
          .join(' ')
          .match(/[ab]\+/g)
          ?.sort(),
      ).toEqual(['a+', 'b+']);
      expect(calls.length - advances.length).toBeLessThanOrEqual(1);
    });

    it('lets a later statement of the transaction read the numbers taken before it', async () => {
      const stream = `test:${timeOrderedId()}`;
      const [, , seen] = await Promise.all([
        append(nodes.a, stream),
        append(nodes.a, stream),
        nodes.a.units.write(async (context) => {
          await appendIn(nodes.a, context, stream);
          return nodes.a.changeLog.currentSeq(stream, context.sql);
        }),
      ]);
      expect(seen).toBe(3);
      expect(await nodes.a.changeLog.currentSeq(stream)).toBe(3);
    });

    it('runs the batch’s works alone when one is refused after taking its seq, and leaves no gap', async () => {
      const streams = [`test:${timeOrderedId()}`, `test:${timeOrderedId()}`];
      const send = (index: number, refuse: boolean) =>
        onceNew(
          nodes.a,
          async (context) => {
            const { seq } = await appendIn(nodes.a, context, streams[index % 2]);
            if (refuse) throw new DomainError(ErrorCode.Conflict, 'refused after its seq');
            return seq;
          },
          index % 4 !== 3,
        );
      const outcomes = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => send(i, i === 4 || i === 7)));
      expect(outcomes.map((outcome) => outcome.status === 'fulfilled')).toEqual(
        Array.from({ length: 12 }, (_, i) => i !== 4 && i !== 7),
      );
      for (const stream of streams) {
        const published = nodes.a.published.filter((change) => change.stream === stream).map((change) => change.seq);
        expect(published).toEqual([1, 2, 3, 4, 5]);
        expect((await nodes.a.changeLog.since(stream, 0, 10)).map((change) => change.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(await nodes.a.changeLog.currentSeq(stream)).toBe(5);
      }
    });

    it('keeps two streams gap-free with batches on two nodes taking both at once', async () => {
      const streams = [`test:${timeOrderedId()}`, `test:${timeOrderedId()}`];
      const both = (node: DataLayerNode, first: number) =>
        onceNew(node, async (context) => {
          const a = await appendIn(node, context, streams[first]);
          const b = await appendIn(node, context, streams[1 - first]);
          return [a.seq, b.seq];
        });
      const taken = await Promise.all(
        Array.from({ length: 40 }, (_, i) => both(i % 2 ? nodes.b : nodes.a, (i >> 1) % 2)),
      );
      const seqs = taken.flat().sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 80 }, (_, i) => (i >> 1) + 1));
      for (const stream of streams) expect(await nodes.a.changeLog.currentSeq(stream)).toBe(40);
    });

    it('fails the works whose numbers could not be taken, and only them', async () => {
      const stream = `test:${timeOrderedId()}`;
      const failing = counting([], true);
      const work = (fail: boolean) =>
        onceNew(nodes.a, async (context) => {
          if (!fail) return appendIn(nodes.a, context, stream);
          // A take in the same turn joins the first; one in a later turn waits for its answer: all fail.
          const takes = [context.take(failing, stream), context.take(failing, stream)];
          for (const take of takes) take.catch(() => undefined);
          await new Promise((resolve) => setImmediate(resolve));
          return Promise.all([...takes, context.take(failing, stream)]);
        });
      const outcomes = await Promise.allSettled([work(false), work(true), work(false)]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(await nodes.a.changeLog.currentSeq(stream)).toBe(2);
    });
  });
}
