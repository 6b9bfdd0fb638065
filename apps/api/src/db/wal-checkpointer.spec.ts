import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.js';

const timing = { writesBeforeThread: 3, idleMs: 1, minIntervalMs: 10, maxIntervalMs: 20, catchUpFrames: 1_000_000 };
/** Runs nothing: the tests that write in one go never wait for a catch-up. */
const noCatchUp = () => undefined;

describe('WalCheckpointer', () => {
  let dir: string;
  let file: string;
  let connection: Database.Database;
  const errors: string[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-wal-'));
    file = path.join(dir, 'test.db');
    connection = new Database(file);
    connection.pragma('journal_mode = WAL');
    connection.pragma('wal_autocheckpoint = 0');
    connection.exec('CREATE TABLE item (id INTEGER PRIMARY KEY, text TEXT NOT NULL)');
    errors.length = 0;
  });

  afterEach(() => {
    connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Rows written to the WAL only: the database file grows when a checkpoint copies them back. */
  function writeRows(count = 500): void {
    const insert = connection.prepare('INSERT INTO item (text) VALUES (?)');
    connection.transaction(() => {
      for (let index = 0; index < count; index++) insert.run('x'.repeat(1_000));
    })();
  }

  /** How many times the WAL has started over: its header's checkpoint sequence number. */
  function walRestarts(): number {
    const header = Buffer.alloc(16);
    const wal = openSync(`${file}-wal`, 'r');
    try {
      readSync(wal, header, 0, 16, 0);
    } finally {
      closeSync(wal);
    }
    return header.readUInt32BE(12);
  }

  it('starts its thread after the set number of write batches, checkpoints, and ends it when idle', async () => {
    writeRows();
    const before = statSync(file).size;
    const sut = new WalCheckpointer(file, 1_000, (error) => errors.push(error), noCatchUp, timing);
    sut.wrote();
    sut.wrote();
    expect(sut.running).toBe(false);
    sut.wrote();
    expect(sut.running).toBe(true);
    await sut.ended();
    expect(sut.running).toBe(false);
    expect(statSync(file).size).toBeGreaterThan(before + 400_000);
    expect(errors).toEqual([]);
    await sut.stop();
  });

  it('starts a new thread with new writes after one ended, and none once stopped', async () => {
    const sut = new WalCheckpointer(file, 1_000, (error) => errors.push(error), noCatchUp, timing);
    for (let batch = 0; batch < 3; batch++) sut.wrote();
    await sut.ended();
    writeRows();
    const before = statSync(file).size;
    for (let batch = 0; batch < 3; batch++) sut.wrote();
    expect(sut.running).toBe(true);
    await sut.stop();
    expect(sut.running).toBe(false);
    expect(statSync(file).size).toBeGreaterThan(before + 400_000);
    for (let batch = 0; batch < 3; batch++) sut.wrote();
    expect(sut.running).toBe(false);
    expect(errors).toEqual([]);
  });

  it('holds the writes for a catch-up when they never stop, so that the WAL starts over instead of growing', async () => {
    // One queue of transactions, as the database service keeps: a catch-up runs between two of them.
    let queue: Promise<unknown> = Promise.resolve();
    const enqueue = (job: () => unknown) => (queue = queue.then(job));
    let catchUps = 0;
    const sut = new WalCheckpointer(
      file,
      1_000,
      (error) => errors.push(error),
      (catchUp) => {
        catchUps += 1;
        void enqueue(catchUp);
      },
      { ...timing, idleMs: 60_000, catchUpFrames: 200 },
    );
    const deadline = Date.now() + 10_000;
    while ((catchUps < 3 || walRestarts() < 3) && Date.now() < deadline) {
      await enqueue(() => writeRows(20));
      sut.wrote();
      // A turn of the event loop, as between two batches of commands: the thread's messages arrive.
      await new Promise((resolve) => setImmediate(resolve));
    }
    await sut.stop();
    expect(catchUps).toBeGreaterThanOrEqual(3);
    expect(walRestarts()).toBeGreaterThanOrEqual(3);
    expect(errors).toEqual([]);
  });
});
