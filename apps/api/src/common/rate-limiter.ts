import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config.js';

/** A classic token bucket: `burst` tokens, refilled at `perSecond`; one command takes one. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes a token, or returns how long until one is available. */
  take(now: number): { ok: true } | { ok: false; retryAfterMs: number } {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil(((1 - this.tokens) / this.perSecond) * 1000) };
  }

  isFull(now: number): boolean {
    return this.tokens + ((now - this.updatedAt) / 1000) * this.perSecond >= this.burst;
  }
}

/** Buckets by key, made on first use; those that refilled completely are swept once a minute. */
export class KeyedBuckets {
  private readonly buckets = new Map<string, TokenBucket>();
  private lastSweep: number;

  constructor(now = Date.now()) {
    this.lastSweep = now;
  }

  take(
    key: string,
    limit: { burst: number; perSecond: number },
    now = Date.now(),
  ): { ok: true } | { ok: false; retryAfterMs: number } {
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new TokenBucket(limit.burst, limit.perSecond, now)));
    return bucket.take(now);
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(key);
  }
}

/**
 * Groups commands into classes with separate budgets, so a chat flood does not block a join.
 * Ephemeral signals share one class: when it runs out they are dropped silently (no ack).
 */
export function commandClass(event: string): string {
  if (event === 'typing') return 'signal';
  if (event.endsWith(':join') || event.endsWith(':leave')) return 'join';
  if (event === 'message:search') return 'search';
  if (event.endsWith(':list') || event.endsWith(':history')) return 'read';
  return `write:${event.slice(0, event.indexOf(':'))}`;
}

/**
 * Per-socket and per-user budgets (never per IP): a user's tabs share the user's budget, and one
 * socket cannot spend all of it. Buckets of users that went quiet are swept.
 */
@Injectable()
export class RateLimiter {
  private readonly bySocket = new WeakMap<object, Map<string, TokenBucket>>();
  private readonly byUser = new KeyedBuckets();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  take(
    socket: object,
    userId: string,
    event: string,
    now = Date.now(),
  ): { ok: true } | { ok: false; retryAfterMs: number } {
    const kind = commandClass(event);
    // Searches are costly reads: their class has a budget of its own, per user as per socket.
    const { burst, perSecond, userFactor } = kind === 'search' ? this.config.searchRateLimit : this.config.rateLimit;
    let buckets = this.bySocket.get(socket);
    if (!buckets) this.bySocket.set(socket, (buckets = new Map<string, TokenBucket>()));
    let socketBucket = buckets.get(kind);
    if (!socketBucket) buckets.set(kind, (socketBucket = new TokenBucket(burst, perSecond, now)));
    const perSocket = socketBucket.take(now);
    if (!perSocket.ok) return perSocket;
    return this.byUser.take(`${userId}:${kind}`, { burst: burst * userFactor, perSecond: perSecond * userFactor }, now);
  }
}
