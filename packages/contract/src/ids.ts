const hexOfByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * Random bytes drawn 4 KB at a time: one `getRandomValues` call costs microseconds however few
 * bytes it fills (in Node.js it also asks the kernel for the process id), and a server makes an
 * id or two per command.
 */
const randomPool = new Uint8Array(4096);
let randomOffset = randomPool.length;

function randomBytes(count: number): Uint8Array {
  if (randomOffset + count > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  randomOffset += count;
  return randomPool.subarray(randomOffset - count, randomOffset);
}

/** The milliseconds and the 12-bit counter of the last id made here (see `timeOrderedId`). */
let lastMs = -1;
let counter = 0;

/**
 * A time-ordered UUID (version 7, RFC 9562): 48 bits of milliseconds, a 12-bit counter, then 62
 * random bits. The server makes its row ids this way, and clients should make their `opId`s this
 * way too: a random (version 4) key lands on a random page of its index, so a batch of a few
 * hundred commands rewrote a few hundred pages; keys that grow with time land on the last pages.
 * Ids made in one process sort in the order they were made, also within one millisecond (the
 * counter, RFC 9562's method 1, starts at a random value in its lower half each millisecond and
 * moves the time on by one when it runs out), so "newest first" by id is exact. Any UUID is
 * accepted all the same. Uses `crypto.getRandomValues`, present in browsers (on any origin) and in
 * Node.js.
 */
export function timeOrderedId(): string {
  const bytes = randomBytes(16);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((bytes[6]! & 0x07) << 8) | bytes[7]!;
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    lastMs += 1;
    counter = 0;
  }
  let ms = lastMs;
  for (let index = 5; index >= 0; index -= 1) {
    bytes[index] = ms % 256;
    ms = Math.floor(ms / 256);
  }
  bytes[6] = 0x70 | (counter >> 8); // version 7, then the counter's high bits
  bytes[7] = counter & 0xff;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
  let hex = '';
  for (let index = 0; index < 16; index += 1) {
    hex += hexOfByte[bytes[index]!];
    if (index === 3 || index === 5 || index === 7 || index === 9) hex += '-';
  }
  return hex;
}
