const hexOfByte = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * Random bytes drawn 4 KB at a time: one `getRandomValues` call costs microseconds however few
 * bytes it fills (in Node.js it also asks the kernel for the process id), and a server makes an
 * id or two per command.
 */
const randomPool = new Uint8Array(4096);
let randomOffset = randomPool.length;

/** Where `count` fresh random bytes start in `randomPool` (read in place: no view made per id). */
function randomAt(count: number): number {
  if (randomOffset + count > randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomOffset = 0;
  }
  randomOffset += count;
  return randomOffset - count;
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
  const at = randomAt(10);
  const now = Date.now();
  if (now > lastMs) {
    lastMs = now;
    counter = ((randomPool[at]! & 0x07) << 8) | randomPool[at + 1]!;
  } else if (counter < 0xfff) {
    counter += 1;
  } else {
    lastMs += 1;
    counter = 0;
  }
  // 48 bits of milliseconds: the high 16 and the low 32, each exact in a double.
  const high = Math.floor(lastMs / 0x1_0000_0000);
  const low = lastMs - high * 0x1_0000_0000;
  return (
    hexOfByte[(high >>> 8) & 0xff]! +
    hexOfByte[high & 0xff]! +
    hexOfByte[low >>> 24]! +
    hexOfByte[(low >>> 16) & 0xff]! +
    '-' +
    hexOfByte[(low >>> 8) & 0xff]! +
    hexOfByte[low & 0xff]! +
    '-' +
    // Version 7, then the counter's 12 bits.
    hexOfByte[0x70 | (counter >> 8)]! +
    hexOfByte[counter & 0xff]! +
    '-' +
    // Variant 10, then 62 random bits.
    hexOfByte[(randomPool[at + 2]! & 0x3f) | 0x80]! +
    hexOfByte[randomPool[at + 3]!]! +
    '-' +
    hexOfByte[randomPool[at + 4]!]! +
    hexOfByte[randomPool[at + 5]!]! +
    hexOfByte[randomPool[at + 6]!]! +
    hexOfByte[randomPool[at + 7]!]! +
    hexOfByte[randomPool[at + 8]!]! +
    hexOfByte[randomPool[at + 9]!]!
  );
}
