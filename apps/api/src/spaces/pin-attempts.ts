import { Injectable } from '@nestjs/common';
import { ErrorCode, Limits } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { TokenBucket } from '../common/rate-limiter.js';

/**
 * How fast one user may try PINs: `Limits.pinAttemptBurst` at once, then one every
 * `Limits.pinAttemptIntervalMs`. With 900,000 PINs, guessing a live one takes days. Counted on
 * each server; users who stopped trying are swept.
 */
@Injectable()
export class PinAttempts {
  private readonly byUser = new Map<string, TokenBucket>();
  private lastSweep = Date.now();

  /** `RATE_LIMITED` (with `retryAfterMs`) once the user's attempts are spent. */
  take(userId: string, now = Date.now()): void {
    let bucket = this.byUser.get(userId);
    if (!bucket) {
      bucket = new TokenBucket(Limits.pinAttemptBurst, 1000 / Limits.pinAttemptIntervalMs, now);
      this.byUser.set(userId, bucket);
    }
    this.sweep(now);
    const taken = bucket.take(now);
    if (!taken.ok) {
      throw new DomainError(ErrorCode.RateLimited, 'too many PINs tried: wait a moment', {
        retryAfterMs: taken.retryAfterMs,
      });
    }
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [userId, bucket] of this.byUser) if (bucket.isFull(now)) this.byUser.delete(userId);
  }
}
