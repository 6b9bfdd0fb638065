import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig, projectRoot } from './config.js';

describe('loadConfig', () => {
  it('has defaults that need nothing set', () => {
    const sut = loadConfig({});
    expect(sut).toMatchObject({
      port: 3000,
      host: '0.0.0.0',
      logLevel: 'info',
      corsOrigin: undefined,
      tokenSecret: undefined,
    });
    expect(sut.database).toEqual({
      provider: 'sqlite',
      url: 'file:./data/tandem.db',
      file: path.resolve('data/tandem.db'),
    });
    expect(sut.redisUrl).toBeUndefined();
    expect(sut.redisPrefix).toBeUndefined();
    expect(sut.migrationsDir).toBe(path.join(projectRoot, 'prisma/migrations'));
    expect(sut.presence).toEqual({
      graceMs: 5_000,
      awayMs: 180_000,
      windowMs: 250,
      maxWindowMs: 2_000,
      countWindowMs: 10_000,
      pageSize: 100,
      heartbeatMs: 5_000,
      timeoutMs: 15_000,
      joinNoticeMaxOnline: 100,
    });
  });

  it('takes the presence delays', () => {
    const sut = loadConfig({
      PRESENCE_GRACE_MS: '0',
      PRESENCE_AWAY_MS: '60000',
      PRESENCE_WINDOW_MS: '100',
      PRESENCE_WINDOW_MAX_MS: '50',
    });
    // A max window below the window is the window.
    expect(sut.presence).toMatchObject({ graceMs: 0, awayMs: 60_000, windowMs: 100, maxWindowMs: 100 });
  });

  it('refuses a presence window beyond 250 ms', () => {
    expect(() => loadConfig({ PRESENCE_WINDOW_MS: '251' })).toThrow('PRESENCE_WINDOW_MS');
  });

  it('takes a PostgreSQL URL, with its own migrations', () => {
    const sut = loadConfig({
      DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_PREFIX: 'tandem:staging:',
    });
    expect(sut.database).toEqual({ provider: 'postgresql', url: 'postgres://postgres@127.0.0.1:5432/test' });
    expect(sut.migrationsDir).toBe(path.join(projectRoot, 'prisma/postgres/migrations'));
    expect(sut.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(sut.redisPrefix).toBe('tandem:staging:');
  });

  it('turns the Admin UI on only with a user name and a password', () => {
    expect(loadConfig({}).adminUi).toBeUndefined();
    expect(loadConfig({ ADMIN_UI_USERNAME: 'ops', ADMIN_UI_PASSWORD: 'long enough' }).adminUi).toEqual({
      username: 'ops',
      password: 'long enough',
    });
  });

  it('takes operators as user ids', () => {
    expect(loadConfig({}).operators).toBeUndefined();
    const id = '019ae9b2-1f6a-7c3e-8a51-0c2d4e6f8a9b';
    expect(loadConfig({ OPERATORS: ` ${id.toUpperCase()}, ${id}` }).operators).toEqual([id, id]);
  });

  it.each([
    [{ OPERATORS: 'root' }, /OPERATORS: must be user ids/],
    [{ ADMIN_UI_USERNAME: 'ops' }, /ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD are set together/],
    [{ ADMIN_UI_PASSWORD: 'long enough' }, /ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD are set together/],
    [{ ADMIN_UI_USERNAME: 'ops', ADMIN_UI_PASSWORD: 'short' }, /ADMIN_UI_PASSWORD: must be at least 8 characters/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ REDIS_URL: 'localhost:6379' }, /REDIS_URL/],
    [{ REDIS_PREFIX: 'two words' }, /REDIS_PREFIX: must be 1 to 100 characters without spaces/],
    [{ REDIS_PREFIX: '' }, /REDIS_PREFIX/],
    [{ TOKEN_SECRET: 'short' }, /TOKEN_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
    [{ PRESENCE_GRACE_MS: '-1' }, /PRESENCE_GRACE_MS/],
    [{ PRESENCE_AWAY_MS: 'soon' }, /PRESENCE_AWAY_MS/],
  ])('stops with a clear message on %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
