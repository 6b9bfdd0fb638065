import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config.js';

/** A token taken: one answer shared by every command that gets one. */
const taken: { ok: true } = Object.freeze({ ok: true });

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
      return taken;
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
/** One class of commands as the limiter spends it: its budgets per socket and per user. */
interface Budget {
  kind: string;
  burst: number;
  perSecond: number;
  user: { burst: number; perSecond: number };
}

/** A socket's bucket of one class, and the key of its user's bucket of that class. */
interface SocketBudget {
  bucket: TokenBucket;
  userKey: string;
}

/**
 * Per-socket and per-user budgets (never per IP): a user's tabs share the user's budget, and one
 * socket cannot spend all of it. Buckets of users that went quiet are swept. What an event costs
 * (its class and budgets) is worked out once per event name, and a socket keeps its buckets by
 * class with its user's key: a command spends its budget without building strings.
 */
@Injectable()
export class RateLimiter {
  private readonly bySocket = new WeakMap<object, Map<string, SocketBudget>>();
  private readonly byUser = new KeyedBuckets();
  /** By event name; the names are the handlers' (unknown events are refused before any budget). */
  private readonly budgets = new Map<string, Budget>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  take(
    socket: object,
    userId: string,
    event: string,
    now = Date.now(),
  ): { ok: true } | { ok: false; retryAfterMs: number } {
    const budget = this.budgets.get(event) ?? this.budgetOf(event);
    let buckets = this.bySocket.get(socket);
    if (!buckets) this.bySocket.set(socket, (buckets = new Map<string, SocketBudget>()));
    let own = buckets.get(budget.kind);
    if (!own) {
      own = { bucket: new TokenBucket(budget.burst, budget.perSecond, now), userKey: `${userId}:${budget.kind}` };
      buckets.set(budget.kind, own);
    }
    const perSocket = own.bucket.take(now);
    if (!perSocket.ok) return perSocket;
    return this.byUser.take(own.userKey, budget.user, now);
  }

  private budgetOf(event: string): Budget {
    const kind = commandClass(event);
    // Searches are costly reads: their class has a budget of its own, per user as per socket.
    const { burst, perSecond, userFactor } = kind === 'search' ? this.config.searchRateLimit : this.config.rateLimit;
    const budget = { kind, burst, perSecond, user: { burst: burst * userFactor, perSecond: perSecond * userFactor } };
    if (this.budgets.size < maxKnownEvents) this.budgets.set(event, budget);
    return budget;
  }
}

/** Event names whose budgets are kept (far more than the contract has). */
const maxKnownEvents = 1000;
