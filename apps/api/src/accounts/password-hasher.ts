import { randomBytes } from 'node:crypto';
import type * as Argon2 from '@node-rs/argon2';
import { Injectable } from '@nestjs/common';

/**
 * argon2id (the library's default algorithm: its `Algorithm` is a const enum, which this build's
 * isolated modules cannot read; the e2e suite checks the stored `$argon2id$` prefix) with OWASP's
 * first recommended setting (19 MiB, 2 passes, 1 lane), hashed on libuv's thread pool so the event
 * loop keeps serving sockets. Hashes are PHC strings that carry their parameters: raising these
 * later still verifies the old hashes.
 */
const options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 };

@Injectable()
export class PasswordHasher {
  /** The native library, loaded by the first password: accounts without one never need it. */
  private library: Promise<typeof Argon2> | undefined;
  /** Verified when the username is unknown, so that the answer takes as long as for a wrong password. */
  private decoy: Promise<string> | undefined;

  async hash(password: string): Promise<string> {
    return (await this.argon2()).hash(password, options);
  }

  /** Whether `password` matches `stored`; with no stored hash, false after the same work. */
  async matches(stored: string | null, password: string): Promise<boolean> {
    const { hash, verify } = await this.argon2();
    this.decoy ??= hash(randomBytes(16).toString('base64url'), options);
    const matched = await verify(stored ?? (await this.decoy), password);
    return stored !== null && matched;
  }

  private argon2(): Promise<typeof Argon2> {
    return (this.library ??= import('@node-rs/argon2'));
  }
}
