import { describe, expect, it } from '@jest/globals';
import { ErrorCode, Namespace, timeOrderedId } from '@tandem/contract';
import { DomainError } from '../../../apps/api/src/common/domain-error.js';
import type { BeforeCommit, GatheredRead } from '../../../apps/api/src/db/database.service.js';
import { prepare } from '../../../apps/api/src/db/sql.js';
import type { DataLayerDatabase, DataLayerNode } from '../data-layer.js';
import { append, appendIn, onceNew, twoNodes } from './two-nodes.js';

/** The unit of work, the change log and their races: the same cases on every database. */
export function unitsOfWorkCases(open: () => Promise<DataLayerDatabase>): void {
  const nodes = twoNodes(open);

  describe('change log', () => {
    it('appends gap-free seqs, records them, and replays them in order', async () => {
      const stream = `test:${timeOrderedId()}`;
      for (let i = 0; i < 5; i++) await append(nodes.a, stream);
      expect(await nodes.a.changeLog.currentSeq(stream)).toBe(5);
      expect(await nodes.a.changeLog.currentSeqs([stream, 'test:none'])).toEqual(new Map([[stream, 5]]));
      const replay = await nodes.a.changeLog.since(stream, 2, 10);
      expect(replay.map((change) => change.seq)).toEqual([3, 4, 5]);
      expect(replay[0]).toEqual({ seq: 3, event: 'test:appended', data: { seq: 3 } });
      expect(await nodes.a.changeLog.since(stream, 0, 2)).toHaveLength(2);
    });

    it('keeps seq gap-free with writers on two nodes at once', async () => {
      const stream = `test:${timeOrderedId()}`;
      const appended = await Promise.all(
        Array.from({ length: 60 }, (_, i) => append(i % 2 ? nodes.b : nodes.a, stream)),
      );
      const seqs = appended.map((change) => change.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(await nodes.b.changeLog.currentSeq(stream)).toBe(60);
      expect((await nodes.b.changeLog.since(stream, 0, 100)).map((change) => change.seq)).toEqual(seqs);
    });

    it('runs again a command whose transaction PostgreSQL aborted to break a deadlock with another node', async () => {
      const streams = [`test:${timeOrderedId()}`, `test:${timeOrderedId()}`];
      // On PostgreSQL each node holds one stream's seq until both do, then asks for the other's: a
      // deadlock, and PostgreSQL aborts one of the transactions. SQLite has one writer: they never meet.
      let arrived = 0;
      let meet!: () => void;
      const met = new Promise<void>((resolve) => (meet = resolve));
      const arrive = () => {
        if (nodes.provider !== 'postgresql') return;
        if (++arrived === 2) meet();
        return met;
      };
      const takeBoth = (node: DataLayerNode, [one, other]: string[]) =>
        onceNew(
          node,
          async (context) => {
            await appendIn(node, context, one);
            await arrive();
            return (await appendIn(node, context, other)).seq;
          },
          false,
        );
      const seqs = await Promise.all([takeBoth(nodes.a, streams), takeBoth(nodes.b, [...streams].reverse())]);
      expect(seqs.sort()).toEqual([1, 2]);
      expect(await nodes.a.changeLog.currentSeqs(streams)).toEqual(new Map(streams.map((stream) => [stream, 2])));
    });

    it('publishes a change only after its commit, and a latest change is not recorded', async () => {
      const stream = `test:${timeOrderedId()}`;
      const { seq } = await nodes.a.units.write((context) =>
        nodes.a.changeLog.append(context, {
          namespace: Namespace.Scoreboard,
          stream,
          event: 'test.latest',
          data: (seq) => ({ seq }),
          delivery: 'latest',
        }),
      );
      expect(seq).toBe(1);
      expect(nodes.a.published.filter((change) => change.stream === stream)).toHaveLength(1);
      expect(await nodes.a.changeLog.since(stream, 0, 10)).toEqual([]);
    });
  });

  describe('group commit', () => {
    it('fails only the refused write of a batch; the others commit and publish', async () => {
      const stream = `test:${timeOrderedId()}`;
      const outcomes = await Promise.allSettled([
        append(nodes.a, stream),
        nodes.a.units.write(async (context) => {
          await nodes.a.changeLog.append(context, {
            namespace: Namespace.Chat,
            stream,
            event: 'test:refused',
            data: (seq) => ({ seq }),
          });
          throw new DomainError(ErrorCode.Conflict, 'refused on purpose');
        }),
        append(nodes.a, stream),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect((outcomes[1] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.Conflict });
      const replay = await nodes.a.changeLog.since(stream, 0, 10);
      expect(replay.map((change) => [change.seq, change.event])).toEqual([
        [1, 'test:appended'],
        [2, 'test:appended'],
      ]);
      expect(nodes.a.published.filter((change) => change.stream === stream).map((change) => change.seq)).toEqual([
        1, 2,
      ]);
    });

    it('fails a write that breaks a constraint without failing the batch around it', async () => {
      const user = await nodes.a.users.create('constraint');
      const outcomes = await Promise.allSettled([
        nodes.a.units.write(({ sql }) =>
          sql.run(sql.db.insertInto('User').values({ id: user.id, name: 'again', createdAt: '' })),
        ),
        nodes.a.users.create('after'),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled']);
      const created = (outcomes[1] as PromiseFulfilledResult<{ id: string }>).value.id;
      expect(await nodes.a.users.tokenStanding(created, 'a-sign-in')).toBeDefined();
    });

    it('runs a step left for the commit once, with the values of the works that succeeded', async () => {
      const stream = `test:${timeOrderedId()}`;
      const runs: string[][] = [];
      const step: BeforeCommit<string> = {
        run: async (values, sql) => {
          runs.push([...values]);
          // Inside the transaction: its failure undoes the works that left it.
          if (values.includes('failing'))
            await sql.run(
              sql.db.insertInto('User').values([
                { id: stream, name: 'twice', createdAt: new Date().toISOString() },
                { id: stream, name: 'twice', createdAt: new Date().toISOString() },
              ]),
            );
        },
      };
      const leave = (value: string, refuse = false) =>
        nodes.a.units.write(async (context) => {
          context.beforeCommit(step, value);
          if (refuse) throw new DomainError(ErrorCode.Forbidden, 'refused before writing');
          return appendIn(nodes.a, context, stream);
        });
      const outcomes = await Promise.allSettled([leave('one'), leave('refused', true), leave('two')]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(runs).toEqual([['one', 'two']]);
      await expect(leave('failing')).rejects.toMatchObject({ message: expect.stringMatching(/unique|duplicate/i) });
      expect(await nodes.a.changeLog.currentSeq(stream)).toBe(2);
    });
  });

  describe('overlapping works', () => {
    it('give gap-free seqs, broadcast in seq order, and a refusal among them fails only itself', async () => {
      const stream = `test:${timeOrderedId()}`;
      const userId = timeOrderedId();
      const send = (refuse: boolean) =>
        nodes.a.units.once(
          userId,
          timeOrderedId(),
          'test:append',
          async (context) => {
            if (refuse) throw new DomainError(ErrorCode.Forbidden, 'refused before writing');
            return appendIn(nodes.a, context, stream);
          },
          { overlaps: true },
        );
      const outcomes = await Promise.allSettled(Array.from({ length: 21 }, (_, i) => send(i === 10)));
      expect(outcomes.filter((outcome) => outcome.status === 'rejected')).toHaveLength(1);
      const published = nodes.a.published.filter((change) => change.stream === stream).map((change) => change.seq);
      expect(published).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });

    it('a step left for the commit that fails undoes the whole batch, which then runs each work alone', async () => {
      const stream = `test:${timeOrderedId()}`;
      const step: BeforeCommit<string> = {
        run: async (values, sql) => {
          if (!values.includes('failing')) return;
          const row = { id: stream, name: 'twice', createdAt: new Date().toISOString() };
          await sql.run(sql.db.insertInto('User').values([row, row]));
        },
      };
      const leave = (value: string) =>
        nodes.a.database.write(async (context) => {
          context.beforeCommit(step, value);
          return appendIn(nodes.a, context, stream);
        }, true);
      const outcomes = await Promise.allSettled([leave('one'), leave('failing'), leave('two')]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      // Only the two works that succeeded alone committed: the batch's first attempt left nothing.
      expect(await nodes.a.changeLog.currentSeq(stream)).toBe(2);
      expect((await nodes.a.changeLog.since(stream, 0, 10)).map((change) => change.seq)).toEqual([1, 2]);
    });

    it('a gathered write counts as their write: one refused after it is undone, the others commit', async () => {
      const insertUsers: GatheredRead<string, void> = {
        writes: true,
        async run(ids, sql) {
          const createdAt = new Date().toISOString();
          await sql.run(sql.db.insertInto('User').values(ids.map((id) => ({ id, name: id, createdAt }))));
          return ids.map(() => undefined);
        },
      };
      const ids = [timeOrderedId(), timeOrderedId(), timeOrderedId()];
      const work = (id: string, refuse: boolean) =>
        nodes.a.database.write(async (context) => {
          await context.gather(insertUsers, id);
          if (refuse) throw new DomainError(ErrorCode.Forbidden, 'refused after writing');
          return id;
        }, true);
      const outcomes = await Promise.allSettled(ids.map((id, index) => work(id, index === 1)));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      const { reader } = nodes.a.database;
      const stored = await reader.all(reader.db.selectFrom('User').select('id').where('id', 'in', ids));
      expect(stored.map((row) => row.id).sort()).toEqual([ids[0], ids[2]].sort());
    });

    it('a statement that fails among them fails only its work, and statements sent behind it run later', async () => {
      const user = await nodes.a.users.create('taken');
      // Never run before: on a server, first parsed in the same round trip as the failing insert.
      const seqOf = prepare((db, stream: { key: string }) =>
        db.selectFrom('ChangeStream').select(['key', 'seq']).where('key', '=', stream.key),
      );
      const stream = `test:${timeOrderedId()}`;
      await append(nodes.a, stream);
      const work = (fail: boolean) =>
        nodes.a.units.once(
          user.id,
          timeOrderedId(),
          'test:read',
          async ({ sql }) => {
            if (fail)
              await sql.run(
                sql.db.insertInto('User').values({ id: user.id, name: 'again', createdAt: new Date().toISOString() }),
              );
            return sql.first(seqOf({ key: stream }));
          },
          { overlaps: true },
        );
      const outcomes = await Promise.allSettled([work(true), work(false), work(false)]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect((outcomes[0] as PromiseRejectedResult).reason).toMatchObject({
        message: expect.stringMatching(/unique|duplicate/i),
      });
      expect(outcomes.slice(1).map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value)).toEqual([
        { key: stream, seq: 1 },
        { key: stream, seq: 1 },
      ]);
    });
  });
}
