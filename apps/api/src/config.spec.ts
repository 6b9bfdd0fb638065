import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig, projectRoot } from './config.js';

describe('loadConfig', () => {
  it('has defaults that need nothing set', () => {
    const sut = loadConfig({});
    expect(sut).toMatchObject({ port: 3000, host: '0.0.0.0', logLevel: 'info', corsOrigin: undefined, tokenSecret: undefined });
    expect(sut.databaseFile).toBe(path.resolve('data/tandem.db'));
    expect(sut.migrationsDir).toBe(path.join(projectRoot, 'prisma/migrations'));
  });

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL/],
    [{ TOKEN_SECRET: 'short' }, /TOKEN_SECRET: must be at least 32 characters/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('stops with a clear message on %p', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
