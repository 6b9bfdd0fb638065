import { Inject, Injectable } from '@nestjs/common';
import { ErrorCode } from '@tandem/contract';
import { DomainError } from '../common/domain-error.js';
import { KeyedBuckets } from '../common/rate-limiter.js';
import { APP_CONFIG, type AppConfig } from '../config.js';

/**
 * Budgets of password guesses: per client address (sign-ins, sign-ups and claims, which also cost
 * an argon2 hash each) and per username (sign-ins and password changes), so that neither one
 * address nor many addresses can try many passwords of one account.
 */
@Injectable()
export class SignInLimiter {
  private readonly byAddress = new KeyedBuckets();
  private readonly byUsername = new KeyedBuckets();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Takes one attempt from the address's budget, and from the username's when given; throws when spent. */
  take(address: string, usernameKey?: string): void {
    const { perAddress, perUsername } = this.config.signInRateLimit;
    const byAddress = this.byAddress.take(address, perAddress);
    if (!byAddress.ok) throw tooMany('from this address', byAddress.retryAfterMs);
    if (usernameKey === undefined) return;
    const byUsername = this.byUsername.take(usernameKey, perUsername);
    if (!byUsername.ok) throw tooMany('for this username', byUsername.retryAfterMs);
  }
}

function tooMany(where: string, retryAfterMs: number): DomainError {
  return new DomainError(
    ErrorCode.RateLimited,
    `too many sign-in attempts ${where}: try again in ${Math.ceil(retryAfterMs / 1000)} s`,
    { retryAfterMs },
  );
}
