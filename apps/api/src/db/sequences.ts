import type { Sql } from './sql.js';

/**
 * Numbers handed out one by one per key, gap-free (a change stream's `seq`), kept in a table of
 * their own, a row per key: the works of a transaction take them through `UnitOfWork.take`.
 */
export interface Sequence {
  /** The table the counters are kept in: a statement of the transaction that names it sees every number taken. */
  readonly table: string;
  /** Adds each count to its key's counter (a new key starts at 0), in one statement: each counter's new value. */
  advance(counts: Map<string, number>, sql: Sql): Promise<Map<string, number>>;
  /** Sets each key's counter to its value, in one statement. */
  store(values: Map<string, number>, sql: Sql): Promise<void>;
}

/** Keys kept by `oneString`; beyond that it starts over. */
const keysKept = 10_000;
const keyStrings = new Map<string, string>();

/**
 * One string per key's text: works make their keys afresh (`chat:<room>#counted:<user>`), and a
 * map finds a key of the same text only by hashing and comparing it, where it finds the same
 * string at once. A transaction's counters look each key up several times.
 */
function oneString(key: string): string {
  const kept = keyStrings.get(key);
  if (kept !== undefined) return kept;
  if (keyStrings.size >= keysKept) keyStrings.clear();
  keyStrings.set(key, key);
  return key;
}

/** One key of a sequence in a transaction: what the database holds, and what was handed out. */
interface Counter {
  stored: number;
  taken: number;
  /** Until the database has answered the transaction's first take of the key (rejected if it failed). */
  first: Promise<void> | undefined;
}

/** The first takes of keys asked in one turn: one `advance` answers them all. */
interface Asking {
  counts: Map<string, number>;
  answers: { key: string; resolve: (value: number) => void; reject: (error: unknown) => void }[];
  /** Settled with the answer: the keys' later takes count on from it. */
  answered: Promise<void>;
  done: { resolve: () => void; reject: (error: unknown) => void };
}

/**
 * The numbers a transaction takes. The first takes of a key in a transaction go to the database,
 * all those asked in the same turn in one statement (`counter + n`), which holds the key's row
 * until the commit (on PostgreSQL, another node's take of that key waits for it); the later
 * ones are counted here and stored once, before the commit (`settle`) or before a statement of
 * the transaction that names the sequence's table (`beforeStatement`). A number taken is never
 * given back: taking one counts as a write (see `runJobs`), so a work refused after it fails its
 * batch, which then runs each work alone, and no number is lost.
 */
export class Counters {
  private readonly counters = new Map<Sequence, Map<string, Counter>>();
  private readonly asking = new Map<Sequence, Asking>();
  /** Whether some number was counted here and not stored yet. */
  private unsettled = false;

  constructor(private readonly sql: Sql) {}

  take(sequence: Sequence, asked: string): Promise<number> {
    const key = oneString(asked);
    let counters = this.counters.get(sequence);
    if (!counters) this.counters.set(sequence, (counters = new Map<string, Counter>()));
    const counter = counters.get(key);
    if (counter && !counter.first) return Promise.resolve(this.next(counter));
    if (!counter || this.asking.get(sequence)?.counts.has(key)) return this.ask(sequence, counters, key);
    // Its first take is on its way to the database: count on from its answer.
    return counter.first!.then(() => this.next(counter));
  }

  /** Stores the numbers counted here (before the commit). */
  async settle(): Promise<void> {
    while (this.unsettled) {
      this.unsettled = false;
      const stores: Promise<void>[] = [];
      for (const [sequence, counters] of this.counters) {
        const values = new Map<string, number>();
        for (const [key, counter] of counters) {
          if (counter.taken === counter.stored) continue;
          values.set(key, counter.taken);
          counter.stored = counter.taken;
        }
        if (values.size > 0) stores.push(sequence.store(values, this.sql));
      }
      await Promise.all(stores);
    }
  }

  /** What a statement of the transaction waits for first: the numbers stored, if it names a table they belong in. */
  readonly beforeStatement = (sql: string): Promise<void> | undefined => {
    if (!this.unsettled) return undefined;
    for (const sequence of this.counters.keys()) if (sql.includes(`"${sequence.table}"`)) return this.settle();
    return undefined;
  };

  private next(counter: Counter): number {
    this.unsettled = true;
    return ++counter.taken;
  }

  private ask(sequence: Sequence, counters: Map<string, Counter>, key: string): Promise<number> {
    let asking = this.asking.get(sequence);
    if (!asking) {
      let done!: Asking['done'];
      const answered = new Promise<void>((resolve, reject) => (done = { resolve, reject }));
      // A failure reaches the works through their answers; the transaction fails with them.
      answered.catch(() => undefined);
      asking = { counts: new Map(), answers: [], answered, done };
      this.asking.set(sequence, asking);
      // Works that run at once take their numbers in step: the others' first takes are asked by now.
      queueMicrotask(() => this.advance(sequence));
    }
    const { counts, answers } = asking;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!counters.has(key)) counters.set(key, { stored: 0, taken: 0, first: asking.answered });
    return new Promise((resolve, reject) => answers.push({ key, resolve, reject }));
  }

  private advance(sequence: Sequence): void {
    const { counts, answers, done } = this.asking.get(sequence)!;
    this.asking.delete(sequence);
    const counters = this.counters.get(sequence)!;
    sequence.advance(counts, this.sql).then(
      (values) => {
        // Each key's numbers are the `count` up to its new value, handed out in the order asked.
        const given = new Map<string, number>();
        for (const [key, count] of counts) {
          const counter = counters.get(key)!;
          counter.stored = counter.taken = values.get(key)!;
          counter.first = undefined;
          given.set(key, counter.taken - count);
        }
        for (const answer of answers) {
          const value = given.get(answer.key)! + 1;
          given.set(answer.key, value);
          answer.resolve(value);
        }
        done.resolve();
      },
      (error: unknown) => {
        for (const answer of answers) answer.reject(error);
        done.reject(error);
      },
    );
  }
}
