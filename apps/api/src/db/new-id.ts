import { randomFillSync } from 'node:crypto';

/** Random bytes for 256 ids at a time: one call into the system's generator instead of 256. */
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

/**
 * A new row id: a time-ordered UUID (version 7, RFC 9562) — the milliseconds first, then 74
 * random bits. A random (version 4) key lands on a random page of its index, so a transaction
 * of a few hundred inserts rewrote a few hundred pages; keys that grow with time all land on the
 * last pages.
 */
export function newId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = pool.subarray(offset, offset + 16);
  offset += 16;
  bytes.writeUIntBE(Date.now(), 0, 6);
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
