import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../config.js';
import { KeyedBuckets, RateLimiter, TokenBucket, commandClass } from './rate-limiter.js';

describe(TokenBucket.name, () => {
  describe('take', () => {
    it('allows a burst, then refills at the given rate', () => {
      const sut = new TokenBucket(3, 10, 0);
      expect([sut.take(0), sut.take(0), sut.take(0)].every((result) => result.ok)).toBe(true);
      expect(sut.take(0)).toEqual({ ok: false, retryAfterMs: 100 });
      expect(sut.take(100)).toEqual({ ok: true });
    });

    it('never holds more than its burst', () => {
      const sut = new TokenBucket(2, 1, 0);
      sut.take(1_000_000);
      sut.take(1_000_000);
      expect(sut.take(1_000_000).ok).toBe(false);
    });
  });
});

describe(KeyedBuckets.name, () => {
  it('keeps a budget per key, and forgets a key once its bucket has refilled', () => {
    const sut = new KeyedBuckets(0);
    const limit = { burst: 1, perSecond: 1 };
    expect(sut.take('a', limit, 0).ok).toBe(true);
    expect(sut.take('a', limit, 0).ok).toBe(false);
    expect(sut.take('b', limit, 0).ok).toBe(true);
    // A minute on, both buckets are full again: swept, and made anew on the next take.
    expect(sut.take('a', limit, 60_000).ok).toBe(true);
    expect(sut.take('a', limit, 60_000)).toEqual({ ok: false, retryAfterMs: 1000 });
  });
});

describe('commandClass', () => {
  it.each([
    ['message:send', 'write:message'],
    ['room:join', 'join'],
    ['room:list', 'read'],
    ['message:history', 'read'],
    ['typing', 'signal'],
  ])('puts %s in %s', (event, kind) => {
    expect(commandClass(event)).toBe(kind);
  });
});

describe(RateLimiter.name, () => {
  describe('take', () => {
    const config = loadConfig({ RATE_LIMIT_BURST: '2', RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_USER_FACTOR: '2' });

    it('limits a socket within its class only', () => {
      const sut = new RateLimiter(config);
      const socket = {};
      expect(sut.take(socket, 'u1', 'message:send', 0).ok).toBe(true);
      expect(sut.take(socket, 'u1', 'message:send', 0).ok).toBe(true);
      expect(sut.take(socket, 'u1', 'message:send', 0)).toMatchObject({ ok: false, retryAfterMs: 1000 });
      expect(sut.take(socket, 'u1', 'room:join', 0).ok).toBe(true);
    });

    it("limits a user's sockets together", () => {
      const sut = new RateLimiter(config);
      const results = [{}, {}, {}].flatMap((socket) => [
        sut.take(socket, 'u1', 'room:list', 0),
        sut.take(socket, 'u1', 'room:list', 0),
      ]);
      expect(results.filter((result) => result.ok)).toHaveLength(4);
      expect(sut.take({}, 'u2', 'room:list', 0).ok).toBe(true);
    });
  });
});
