import { DomainError } from '../common/domain-error.js';
import type { ChangeCommitted } from '../common/domain-events.js';
import { Counters, type Sequence } from './sequences.js';
import type { Ending } from './sessions.js';
import type { Sql } from './sql.js';

/**
 * What a unit of work sees: `sql`, bound to its transaction (the only handle it may write
 * through), a way to publish events once that transaction has committed, and a way to leave
 * work for the end of the transaction.
 */
export interface UnitOfWork {
  sql: Sql;
  publishAfterCommit(change: ChangeCommitted): void;
  /**
   * What the works of the transaction published so far on `stream` (this one's included), in the
   * order they published it: a change taken is in by the time the work that took it goes on.
   */
  published(stream: string): readonly ChangeCommitted[];
  /** Adds `value` to `step`, which runs once for the values of every work of the transaction, before its commit. */
  beforeCommit<V>(step: BeforeCommit<V>, value: V): void;
  /** `read`'s answer for `key`, read in one statement with the keys other works ask for in the same turn. */
  gather<K, V>(read: GatheredRead<K, V>, key: K): Promise<V>;
  /**
   * The next number of `key` in `sequence` (a stream's seq), gap-free: the first ones of a key in
   * a transaction are taken in the database (those asked in one turn in one statement), later ones
   * counted and stored once (see `Counters`). It counts as a write: a refusal after it fails the batch.
   */
  take(sequence: Sequence, key: string): Promise<number>;
  /** The one value `make` makes for the transaction, shared by its works (say, the items they write). */
  shared<T>(make: () => T): T;
}

/**
 * A read that each work of a transaction makes first (say, its opId's stored result): works
 * that overlap ask at once, and one statement answers them all instead of one per work. `run`
 * answers each key, in the order of `keys`. With `writes`, a write each work makes at the same
 * point (say, its new row: one multi-row insert for them all); the works that ask it have written.
 */
export interface GatheredRead<K, V> {
  run(keys: K[], sql: Sql): Promise<V[]>;
  writes?: true;
}

/** The keys asked of each gathered read in the current turn, and who waits for their answers. */
class Gathering {
  private readonly waiting = new Map<GatheredRead<unknown, unknown>, { key: unknown; answer: Answer }[]>();

  constructor(private readonly sql: Sql) {}

  ask<K, V>(read: GatheredRead<K, V>, key: K): Promise<V> {
    return new Promise((resolve, reject) => {
      const asked = this.waiting.get(read);
      const entry = { key, answer: { resolve: resolve as (value: unknown) => void, reject } };
      if (asked) return asked.push(entry);
      this.waiting.set(read, [entry]);
      // The works that overlap all start in one synchronous pass: their first reads are all asked by now.
      queueMicrotask(() => this.flush(read));
    });
  }

  private flush(read: GatheredRead<unknown, unknown>): void {
    const asked = this.waiting.get(read)!;
    this.waiting.delete(read);
    read
      .run(
        asked.map(({ key }) => key),
        this.sql,
      )
      .then(
        (values) => asked.forEach(({ answer }, index) => answer.resolve(values[index])),
        (error: unknown) => asked.forEach(({ answer }) => answer.reject(error)),
      );
  }
}

interface Answer {
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A statement better run once per transaction than once per work (say, one index update for all
 * the rows the transaction added). It runs only for works that succeeded, after the last of them.
 */
export interface BeforeCommit<V> {
  run(values: V[], sql: Sql): Promise<void>;
  /**
   * The table it writes, when a later statement of the transaction may read it (say, a conflict's
   * "changed by" among the batch's own score events): a statement that names it runs after the
   * step has run for the values left so far.
   */
  readonly table?: string;
}

type Work = (context: UnitOfWork) => Promise<unknown>;

/** A unit of work, and whether it may overlap others of its transaction (see `DatabaseService.write`). */
export interface Job {
  work: Work;
  overlaps: boolean;
  /**
   * The gathered read the work asks first, with `key` itself (say, its opId's lookup): asked for
   * every work of the transaction at once, before any of them runs, so that works which run one
   * after another share its statement too. Only for a read that no work of the transaction changes.
   */
  first?: FirstRead;
}

/** A gathered read and the key a work will ask it with (see `Job.first`). */
export interface FirstRead<K = unknown, V = unknown> {
  read: GatheredRead<K, V>;
  key: K;
}

/** A work's result, or its refusal when it refused before writing anything (nothing to undo). */
export type Outcome = { value: unknown; changes: ChangeCommitted[] } | { refused: DomainError };

/**
 * Runs the works of one transaction, each collecting the changes it publishes: in order, or, for
 * those that may overlap where the dialect allows it, at once; then the steps they left for the
 * end of the transaction: where works overlap, these are left running in `ending`, to leave with
 * the `COMMIT` (see `inTransaction`).
 */
export async function runJobs(jobs: Job[], sql: Sql, overlapping: boolean, ending: Ending): Promise<Outcome[]> {
  const outcomes = new Array<Outcome>(jobs.length);
  const steps = new Map<BeforeCommit<unknown>, unknown[]>();
  const gathering = new Gathering(sql);
  const counters = new Counters(sql);
  const early = askedFirst(jobs, gathering);
  const published = new Map<string, ChangeCommitted[]>();
  const shared = new Map<() => unknown, unknown>();
  /** The steps whose table `text` names, run now for the values left so far. */
  const stepsFirst = (text: string): Promise<unknown> | undefined => {
    let runs: Promise<void>[] | undefined;
    for (const [step, values] of steps) {
      if (step.table === undefined || values.length === 0 || !text.includes(`"${step.table}"`)) continue;
      steps.set(step, []);
      (runs ??= []).push(step.run(values, sql));
    }
    return runs && Promise.all(runs);
  };
  const beforeStatement = (text: string): Promise<unknown> | undefined => {
    const [stored, run] = [counters.beforeStatement(text), stepsFirst(text)];
    return stored && run ? Promise.all([stored, run]) : (stored ?? run);
  };
  const run = async (index: number): Promise<void> => {
    const changes: ChangeCommitted[] = [];
    const left: [BeforeCommit<unknown>, unknown][] = [];
    let wrote = false;
    const context: UnitOfWork = {
      sql: sql.withHooks({ onWrite: () => (wrote = true), beforeStatement }),
      publishAfterCommit: (change) => {
        changes.push(change);
        const stream = published.get(change.stream);
        if (stream) stream.push(change);
        else published.set(change.stream, [change]);
      },
      published: (stream) => published.get(stream) ?? [],
      beforeCommit: (step, value) => left.push([step, value]),
      gather: (read, key) => {
        // Its statement runs on the transaction's own `sql`: the work is marked here.
        if (read.writes) wrote = true;
        const asked = early.get(key);
        if (asked?.read === read) {
          early.delete(key);
          return asked.answer as Promise<never>;
        }
        return gathering.ask(read, key);
      },
      take: (sequence, key) => {
        // A number taken is not given back: a refusal after it must not leave a gap.
        wrote = true;
        return counters.take(sequence, key);
      },
      shared: <T>(make: () => T): T => {
        if (!shared.has(make)) shared.set(make, make());
        return shared.get(make) as T;
      },
    };
    try {
      const value = await jobs[index]!.work(context);
      outcomes[index] = { value, changes };
      for (const [step, value] of left) {
        const values = steps.get(step);
        if (values) values.push(value);
        else steps.set(step, [value]);
      }
    } catch (error) {
      // A rule's refusal before any write leaves the transaction as it was: the batch goes on.
      if (error instanceof DomainError && !wrote) outcomes[index] = { refused: error };
      else throw error;
    }
  };
  const indexes = jobs.map((_, index) => index);
  const together = overlapping ? indexes.filter((index) => jobs[index]!.overlaps) : [];
  if (together.length > 1) {
    // Every work runs to its end before the transaction ends either way: none may write after a rollback.
    const failed = (await Promise.allSettled(together.map(run))).find((outcome) => outcome.status === 'rejected');
    if (failed) throw failed.reason;
  }
  for (const index of together.length > 1 ? indexes.filter((i) => !jobs[i]!.overlaps) : indexes) await run(index);
  if (overlapping) ending.add(counters.settle());
  else await counters.settle();
  for (const [step, values] of steps) {
    if (values.length === 0) continue;
    if (overlapping) ending.add(step.run(values, sql));
    else await step.run(values, sql);
  }
  return outcomes;
}

/** The first reads of a transaction's works (see `Job.first`), asked together before any work runs, by key. */
function askedFirst(
  jobs: Job[],
  gathering: Gathering,
): Map<unknown, { read: GatheredRead<unknown, unknown>; answer: Promise<unknown> }> {
  const asked = new Map<unknown, { read: GatheredRead<unknown, unknown>; answer: Promise<unknown> }>();
  if (jobs.length < 2) return asked;
  for (const { first } of jobs) {
    if (!first) continue;
    const answer = gathering.ask(first.read, first.key);
    // A work that never gets to ask (the batch failed before it) leaves its answer unread.
    answer.catch(() => undefined);
    asked.set(first.key, { read: first.read, answer });
  }
  return asked;
}
