import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** Bounds of the pause between two checkpoints. */
const minIntervalMs = 500;
const maxIntervalMs = 5_000;
/** About as many WAL pages as SQLite's own automatic checkpoint waits for. */
const targetPages = 1_000;

// Plain JavaScript, evaluated in the worker: it needs no build step, from `src` or from `dist`.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const connection = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
let interval = workerData.minIntervalMs;
let timer;
const checkpoint = () => {
  try {
    // Pages in the WAL: about those written since the last checkpoint, since the WAL starts over after one.
    const [{ log }] = connection.pragma('wal_checkpoint(PASSIVE)');
    const rate = log > 0 ? log / interval : 0;
    interval = rate > 0 ? workerData.targetPages / rate : workerData.maxIntervalMs;
    interval = Math.min(workerData.maxIntervalMs, Math.max(workerData.minIntervalMs, interval));
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
  timer = setTimeout(checkpoint, interval);
};
timer = setTimeout(checkpoint, interval);
parentPort.on('message', () => {
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
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, busyTimeoutMs: number, onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: { driver, file, busyTimeoutMs, minIntervalMs, maxIntervalMs, targetPages },
    });
    this.worker.on('message', (message: { error: string }) => onError(message.error));
    this.worker.on('error', (error) => onError(String(error)));
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // The checkpoints never keep the process alive on their own.
    this.worker.unref();
  }

  /** A last checkpoint, then the thread ends. */
  async stop(): Promise<void> {
    this.worker.postMessage('stop');
    await this.exited;
  }
}
