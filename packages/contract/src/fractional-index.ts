/**
 * Fractional indexing: order keys that sort as plain strings (byte order, as SQLite's BINARY
 * collation and JavaScript's `<` compare them), where a new key can always be made between any
 * two, so moving one item writes one key and never renumbers the others.
 *
 * A key is an integer part then a fraction part. The integer part's first character tells its
 * length (`a`–`z`: 2 to 27 characters, for the non-negative integers; `A`–`Z`: 27 down to 2, for
 * the negative ones), so appending at either end grows keys only logarithmically. The fraction
 * is a base-62 string that never ends in `0`, so there is always room below it. This is the
 * scheme of David Greenspan's "Implementing Fractional Indexing".
 */

/** Base-62 digits in ASCII order: digit order and string order agree. */
export const orderKeyDigits = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

const base = orderKeyDigits.length;
const zero = orderKeyDigits.charAt(0);
const lastDigit = orderKeyDigits.charAt(base - 1);
/** The smallest integer part: it has no predecessor, so it is not a key by itself. */
const smallestInteger = `A${zero.repeat(26)}`;

function digitValue(char: string): number {
  const value = orderKeyDigits.indexOf(char);
  if (value < 0) throw new RangeError(`"${char}" is not a base-62 digit`);
  return value;
}

function integerLength(head: string): number {
  if (head >= 'a' && head <= 'z') return head.charCodeAt(0) - 'a'.charCodeAt(0) + 2;
  if (head >= 'A' && head <= 'Z') return 'Z'.charCodeAt(0) - head.charCodeAt(0) + 2;
  throw new RangeError(`"${head}" cannot start an order key`);
}

function integerPart(key: string): string {
  const length = integerLength(key.charAt(0));
  if (length > key.length) throw new RangeError(`order key "${key}" is cut short`);
  return key.slice(0, length);
}

/** A string strictly between fractions `a` and `b` (`b` null: 1), neither ending in `0`. */
function midpoint(a: string, b: string | null): string {
  if (b !== null && a >= b) throw new RangeError(`"${a}" is not below "${b}"`);
  if (b !== null) {
    // Keep the common prefix (reading a missing digit of `a` as 0) and recurse on the rest.
    let shared = 0;
    while ((a[shared] ?? zero) === b[shared]) shared++;
    if (shared > 0) return b.slice(0, shared) + midpoint(a.slice(shared), b.slice(shared));
  }
  const digitA = a ? digitValue(a.charAt(0)) : 0;
  const digitB = b !== null ? digitValue(b.charAt(0)) : base;
  if (digitB - digitA > 1) return orderKeyDigits.charAt(Math.round((digitA + digitB) / 2));
  // Consecutive first digits: `b`'s first digit alone is above `a` if `b` goes on.
  if (b !== null && b.length > 1) return b.slice(0, 1);
  return orderKeyDigits.charAt(digitA) + midpoint(a.slice(1), null);
}

function incrementInteger(integer: string): string | null {
  const head = integer.charAt(0);
  const digits = integer.slice(1).split('');
  for (let index = digits.length - 1; index >= 0; index--) {
    const next = digitValue(digits[index] ?? zero) + 1;
    if (next < base) {
      digits[index] = orderKeyDigits.charAt(next);
      return head + digits.join('');
    }
    digits[index] = zero;
  }
  // Every digit carried over: the integer needs a longer (or, below zero, a shorter) form.
  if (head === 'Z') return `a${zero}`;
  if (head === 'z') return null;
  const nextHead = String.fromCharCode(head.charCodeAt(0) + 1);
  if (nextHead > 'a') digits.push(zero);
  else digits.pop();
  return nextHead + digits.join('');
}

function decrementInteger(integer: string): string | null {
  const head = integer.charAt(0);
  const digits = integer.slice(1).split('');
  for (let index = digits.length - 1; index >= 0; index--) {
    const next = digitValue(digits[index] ?? zero) - 1;
    if (next >= 0) {
      digits[index] = orderKeyDigits.charAt(next);
      return head + digits.join('');
    }
    digits[index] = lastDigit;
  }
  if (head === 'a') return `Z${lastDigit}`;
  if (head === 'A') return null;
  const nextHead = String.fromCharCode(head.charCodeAt(0) - 1);
  if (nextHead < 'Z') digits.push(lastDigit);
  else digits.pop();
  return nextHead + digits.join('');
}

/** Whether `key` is a well-formed order key (what `keyBetween` accepts and produces). */
export function isOrderKey(key: string): boolean {
  if (key.length === 0 || key === smallestInteger) return false;
  if (![...key].every((char) => orderKeyDigits.includes(char))) return false;
  let integer: string;
  try {
    integer = integerPart(key);
  } catch {
    return false;
  }
  return !key.slice(integer.length).endsWith(zero);
}

function assertOrderKey(key: string): void {
  if (!isOrderKey(key)) throw new RangeError(`"${key}" is not an order key`);
}

/**
 * A key strictly between `a` and `b`; `a` null means "before everything", `b` null "after
 * everything". Throws when `a` is not below `b`: neighbours must be distinct and in order.
 */
export function keyBetween(a: string | null, b: string | null): string {
  if (a !== null) assertOrderKey(a);
  if (b !== null) assertOrderKey(b);
  if (a !== null && b !== null && a >= b) throw new RangeError(`"${a}" is not below "${b}"`);
  if (a === null) {
    if (b === null) return `a${zero}`;
    const integerB = integerPart(b);
    const fractionB = b.slice(integerB.length);
    if (integerB === smallestInteger) return integerB + midpoint('', fractionB);
    if (integerB < b) return integerB;
    const below = decrementInteger(integerB);
    if (below === null) throw new RangeError('no order key is left below the smallest one');
    // The smallest integer alone is not a key (nothing could go below it): give it a fraction.
    return below === smallestInteger ? below + midpoint('', null) : below;
  }
  const integerA = integerPart(a);
  const fractionA = a.slice(integerA.length);
  if (b === null) {
    const above = incrementInteger(integerA);
    return above === null ? integerA + midpoint(fractionA, null) : above;
  }
  const integerB = integerPart(b);
  const fractionB = b.slice(integerB.length);
  if (integerA === integerB) return integerA + midpoint(fractionA, fractionB);
  const above = incrementInteger(integerA);
  if (above === null) throw new RangeError('order key integer overflow');
  return above < b ? above : integerA + midpoint(fractionA, null);
}
