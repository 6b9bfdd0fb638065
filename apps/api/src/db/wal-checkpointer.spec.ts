import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { WalCheckpointer } from './wal-checkpointer.js';

const timing = { writesBeforeThread: 3, idleMs: 1, minIntervalMs: 10, maxIntervalMs: 20 };

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
  function writeRows(): void {
    const insert = connection.prepare('INSERT INTO item (text) VALUES (?)');
    connection.transaction(() => {
      for (let index = 0; index < 500; index++) insert.run('x'.repeat(1_000));
    })();
  }

  it('starts its thread after the set number of write batches, checkpoints, and ends it when idle', async () => {
    writeRows();
    const before = statSync(file).size;
    const sut = new WalCheckpointer(file, 1_000, (error) => errors.push(error), timing);
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
    const sut = new WalCheckpointer(file, 1_000, (error) => errors.push(error), timing);
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
});
