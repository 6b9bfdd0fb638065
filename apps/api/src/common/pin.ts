import { randomInt } from 'node:crypto';
import { Limits } from '@tandem/contract';

/** A new join PIN: `Limits.pinLength` random digits, the first not 0 (it reads as a number). */
export function newPin(): string {
  const smallest = 10 ** (Limits.pinLength - 1);
  return String(randomInt(smallest, smallest * 10));
}
