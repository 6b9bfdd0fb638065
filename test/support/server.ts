import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from '@jest/globals';
import Database from 'better-sqlite3';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../apps/api/src/app.js';
import { loadConfig, type AppConfig } from '../../apps/api/src/config.js';
import { closeAllClients } from './clients.js';

export const testTokenSecret = 'test-secret-that-is-long-enough-to-be-accepted-0123456789';

export interface TestServer {
  url: string;
  app: NestExpressApplication;
  config: AppConfig;
  /** A separate read-only connection to the server's SQLite file: what is committed, nothing else. */
  db: Database.Database;
  /** Row counts of every table, to show that a refused command wrote nothing. */
  tableCounts(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * Boots the real server, as `npm start` does, on port 0 with its own SQLite file; `overrides`
 * replace settings that no environment variable sets (the web build's folder).
 */
export async function startServer(
  env: Record<string, string> = {},
  overrides: Partial<AppConfig> = {},
): Promise<TestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-test-'));
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: `file:${path.join(dir, 'tandem.db')}`,
    TOKEN_SECRET: testTokenSecret,
    LOG_LEVEL: 'error',
    // Suites send hundreds of commands from one socket on purpose; rate limits have their own suites.
    RATE_LIMIT_BURST: '100000',
    RATE_LIMIT_PER_SECOND: '100000',
    SEARCH_RATE_BURST: '100000',
    SEARCH_RATE_PER_SECOND: '100000',
    ...env,
  });
  const app = await createApp({ ...config, ...overrides });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  if (config.database.provider !== 'sqlite') throw new Error('the test server runs on SQLite');
  const db = new Database(config.database.file, { readonly: true, fileMustExist: true });
  const tables = (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as {
      name: string;
    }[]
  ).map((row) => row.name);
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    config,
    db,
    tableCounts: () =>
      Object.fromEntries(
        tables.map((table) => [table, (db.prepare(`SELECT COUNT(*) AS n FROM "${table}"`).get() as { n: number }).n]),
      ),
    close: async () => {
      db.close();
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Registers a `describe`'s hooks: a server of its own started with `env` before its tests, every
 * client closed after each test, the server closed after them all. Returns the server's getter.
 */
export function useServer(
  env: () => Promise<Record<string, string>> | Record<string, string> = () => ({}),
): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startServer(await env());
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await server?.close();
  });
  return () => {
    if (!server) throw new Error('the server is not up: use it inside a test');
    return server;
  };
}

/**
 * The lifecycle every suite shares: a server started before its tests (with `env`), the clients
 * closed after each test, the server closed after all. Returns the suite's server, usable from
 * `beforeAll` on (it stands for the one that will have started).
 */
export function serverForSuite(env: Record<string, string> = {}): TestServer {
  let started: TestServer | undefined;
  beforeAll(async () => {
    started = await startServer(env);
  });
  afterEach(() => closeAllClients());
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as TestServer, {
    get: (_target, key) => {
      if (!started) throw new Error('the suite server starts in beforeAll');
      const value: unknown = Reflect.get(started, key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(started) : value;
    },
  });
}
