import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the WAL is copied back into the database file. */
const checkpointIntervalMs = 500;

// Plain JavaScript, evaluated in the worker: it needs no build step, from `src` or from `dist`.
const workerSource = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const connection = new Database(workerData.file, { timeout: workerData.busyTimeoutMs });
const timer = setInterval(() => {
  try {
    connection.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
}, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  connection.pragma('wal_checkpoint(PASSIVE)');
  connection.close();
  parentPort.close();
});
`;

/**
 * Checkpoints the SQLite WAL from a worker thread. By default the connection whose commit
 * crosses 1,000 WAL pages copies them back and syncs the file, inside that commit: a pause of
 * milliseconds on the event loop every few hundred writes. Here the writers' automatic
 * checkpoints are off (`wal_autocheckpoint = 0`) and a passive checkpoint runs every 500 ms on
 * a thread of its own, which never blocks a writer.
 */
export class WalCheckpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(file: string, busyTimeoutMs: number, onError: (message: string) => void) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(workerSource, {
      eval: true,
      workerData: { driver, file, busyTimeoutMs, intervalMs: checkpointIntervalMs },
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
