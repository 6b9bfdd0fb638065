import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** When the thread runs, and how often it checkpoints. */
export interface CheckpointTiming {
  /** Batches of writes run, with no thread running, before one starts. */
  writesBeforeThread: number;
  /** How long the thread finds nothing new to checkpoint before it ends. */
  idleMs: number;
  /** Bounds of the pause between two checkpoints. */
  minIntervalMs: number;
  maxIntervalMs: number;
  /** WAL frames from which a checkpoint that could not catch up with the writer asks for a pause (see `WalCheckpointer`). */
  catchUpFrames: number;
}

const defaultTiming: CheckpointTiming = {
  writesBeforeThread: 100,
  idleMs: 30_000,
  minIntervalMs: 500,
  maxIntervalMs: 5_000,
  catchUpFrames: 8_192,
};
/** About as many WAL pages as SQLite's own automatic checkpoint waits for. */
const targetPages = 1_000;
/** The longest writes wait for a catch-up (a thread that does not answer must not stop them). */
const catchUpLimitMs = 2_000;

// Plain JavaScript, evaluated in the worker: it needs no build step, from `src` or from `dist`.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const connection = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
let interval = workerData.minIntervalMs;
let timer;
// The WAL's frames after the last checkpoint, and for how long nothing was added to them.
let lastLog = -1;
let idleMs = 0;
const pass = () => connection.pragma('wal_checkpoint(PASSIVE)')[0];
const checkpoint = () => {
  try {
    // Pages in the WAL: about those written since the last checkpoint, since the WAL starts over after one.
    const { log, checkpointed } = pass();
    idleMs = log === lastLog && checkpointed === log ? idleMs + interval : 0;
    lastLog = log;
    if (idleMs >= workerData.idleMs) {
      parentPort.postMessage({ idle: true });
      return;
    }
    const rate = log > 0 ? log / interval : 0;
    interval = rate > 0 ? workerData.targetPages / rate : workerData.maxIntervalMs;
    interval = Math.min(workerData.maxIntervalMs, Math.max(workerData.minIntervalMs, interval));
    // The WAL has not started over for a while (see WalCheckpointer): a second pass copies what the
    // commits added during the first, then the writes pause for a last one.
    if (log >= workerData.catchUpFrames) {
      pass();
      parentPort.postMessage({ behind: true });
    }
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
  timer = setTimeout(checkpoint, interval);
};
timer = setTimeout(checkpoint, interval);
parentPort.on('message', (message) => {
  if (message === 'catch up') {
    try {
      pass();
    } catch (error) {
      parentPort.postMessage({ error: String(error) });
    }
    parentPort.postMessage({ caughtUp: true });
    return;
  }
  clearTimeout(timer);
  connection.pragma('wal_checkpoint(PASSIVE)');
  connection.close();
  parentPort.close();
});
`;

/**
 * Checkpoints the SQLite WAL from a worker thread. By default the connection whose commit
 * crosses 1,000 WAL pages copies them back and syncs the file, inside that commit: a pause of
 * milliseconds on the event loop every few hundred writes. Here the writers' automatic
 * checkpoints are off (`wal_autocheckpoint = 0`) and a passive checkpoint, which never blocks a
 * writer, runs on a thread of its own about every 1,000 pages: every 500 ms under heavy writes,
 * up to every 5 s when few (each checkpoint syncs two files, which is not free either).
 *
 * The thread (a second V8 isolate: 6–8 MB) runs only while there are writes: it starts once 100
 * batches of writes have run without it, and ends after 30 s with nothing new to checkpoint. A
 * quiet server holds none; what its few writes left in the WAL waits for the next thread, or for
 * the last connection's close, which checkpoints too.
 *
 * A writer starts the WAL over only when a checkpoint has copied every frame before its
 * transaction begins. Under writes that never stop, each checkpoint ends behind the commits made
 * while it ran, and the WAL grew without end (640 MB in 8 s of `chat-persist`), every commit
 * writing new blocks of the file. So a checkpoint that ends behind, once the WAL holds
 * `catchUpFrames`, has the owner hold its writes between two transactions (`betweenWrites`)
 * while the thread copies what the commits of its last run added; the next commit then starts the
 * WAL over.
 */
export class WalCheckpointer {
  private worker: Worker | undefined;
  private readonly exits = new Set<Promise<void>>();
  private writes = 0;
  private stopped = false;
  private catchingUp = false;

  /** `betweenWrites`: runs the catch-up it is given after the transaction under way, holding the next ones until it resolves. */
  constructor(
    private readonly file: string,
    private readonly busyTimeoutMs: number,
    private readonly onError: (message: string) => void,
    private readonly betweenWrites: (catchUp: () => Promise<void>) => void,
    private readonly timing: CheckpointTiming = defaultTiming,
  ) {}

  /** Whether the thread runs. */
  get running(): boolean {
    return this.worker !== undefined;
  }

  /** A batch of writes runs. */
  wrote(): void {
    if (this.worker || this.stopped || ++this.writes < this.timing.writesBeforeThread) return;
    this.writes = 0;
    this.worker = this.start();
  }

  /** A last checkpoint, then the thread ends; none starts after. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.end();
    await this.ended();
  }

  /** Resolves once no thread runs or ends. */
  async ended(): Promise<void> {
    while (this.exits.size > 0) await Promise.all(this.exits);
  }

  private start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const { file, busyTimeoutMs } = this;
    const worker = new Worker(workerSource, {
      eval: true,
      workerData: { driver, file, busyTimeoutMs, targetPages, ...this.timing },
    });
    worker.on('message', (message: { error?: string; idle?: true; behind?: true }) => {
      if (message.idle) {
        if (this.worker === worker) this.end();
      } else if (message.error) this.onError(message.error);
      else if (message.behind && !this.catchingUp) {
        this.catchingUp = true;
        this.betweenWrites(() => this.catchUp(worker));
      }
    });
    worker.on('error', (error) => this.onError(String(error)));
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.exits.add(exited);
    void exited.then(() => this.exits.delete(exited));
    // The checkpoints never keep the process alive on their own.
    worker.unref();
    return worker;
  }

  /** One more checkpoint while no transaction runs; resolves when it is done (or the thread gone). */
  private catchUp(worker: Worker): Promise<void> {
    if (this.worker !== worker) {
      this.catchingUp = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        worker.off('message', answered);
        worker.off('exit', done);
        this.catchingUp = false;
        resolve();
      };
      const answered = (message: { caughtUp?: true }) => {
        if (message.caughtUp) done();
      };
      const timer = setTimeout(done, catchUpLimitMs);
      worker.on('message', answered);
      worker.once('exit', done);
      worker.postMessage('catch up');
    });
  }

  private end(): void {
    this.worker?.postMessage('stop');
    this.worker = undefined;
  }
}
