import { describe, expect, it } from '@jest/globals';
import { isOrderKey, keyBetween } from './fractional-index.js';

/** A deterministic pseudo-random sequence, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

function expectStrictlyBetween(key: string, low: string | null, high: string | null): void {
  expect(isOrderKey(key)).toBe(true);
  if (low !== null) expect(low < key).toBe(true);
  if (high !== null) expect(key < high).toBe(true);
}

describe(keyBetween.name, () => {
  describe('at the ends', () => {
    it('starts an empty list with a short key', () => {
      expect(keyBetween(null, null)).toBe('a0');
    });

    it('makes keys above and below any key', () => {
      for (const key of ['a0', 'a0V', 'Zz', 'b00', `${'z'.repeat(27)}V`, `A${'0'.repeat(25)}1`]) {
        expectStrictlyBetween(keyBetween(key, null), key, null);
        expectStrictlyBetween(keyBetween(null, key), null, key);
      }
    });

    it('keeps keys short when appending or prepending a thousand times', () => {
      let last: string | null = null;
      let first: string | null = null;
      for (let i = 0; i < 1_000; i++) {
        const appended = keyBetween(last, null);
        expectStrictlyBetween(appended, last, null);
        last = appended;
        const prepended = keyBetween(null, first);
        expectStrictlyBetween(prepended, null, first);
        first = prepended;
      }
      expect(last?.length).toBeLessThanOrEqual(3);
      expect(first?.length).toBeLessThanOrEqual(3);
    });

    it('crosses integer-length boundaries in order', () => {
      expect(keyBetween('az', null)).toBe('b00');
      expect(keyBetween(null, 'b00')).toBe('az');
      expect(keyBetween(null, 'a0')).toBe('Zz');
      expect(keyBetween('Zz', null)).toBe('a0');
    });
  });

  describe('between two keys', () => {
    it('makes a key strictly between neighbours', () => {
      expect(keyBetween('a0', 'a1')).toBe('a0V');
      expect(keyBetween('a0', 'a2')).toBe('a1');
      expect(keyBetween('a0', 'a0V')).toBe('a0G');
      expect(keyBetween('a1', 'a1001')).toBe('a1000V');
      const pairs: [string, string][] = [
        ['a0', 'b00'],
        ['Zz', 'a0'],
        ['a0V', 'a0W'],
        ['a0zzz', 'a1'],
        ['a01', 'a011'],
      ];
      for (const [low, high] of pairs) expectStrictlyBetween(keyBetween(low, high), low, high);
    });

    it('refuses neighbours that are equal or out of order', () => {
      expect(() => keyBetween('a1', 'a1')).toThrow(RangeError);
      expect(() => keyBetween('a2', 'a1')).toThrow(RangeError);
    });

    it('refuses strings that are not keys', () => {
      for (const bad of ['', 'a', 'a00', 'a0-', '0a', 'A00000000000000000000000000', 'b0']) {
        expect(isOrderKey(bad)).toBe(false);
        expect(() => keyBetween(bad, null)).toThrow(RangeError);
      }
    });
  });

  describe('many inserts at one spot', () => {
    it('never collides and never needs renumbering, always after the same item', () => {
      const low = 'a0';
      const high = 'a1';
      const made = new Set<string>();
      let next = high;
      for (let i = 0; i < 500; i++) {
        const key = keyBetween(low, next);
        expectStrictlyBetween(key, low, next);
        expect(made.has(key)).toBe(false);
        made.add(key);
        next = key;
      }
      // Halving the gap each time costs under one base-62 digit per five inserts.
      expect(next.length).toBeLessThan(120);
    });

    it('never collides when always inserting just before the same item', () => {
      let low = 'a0';
      const high = 'a1';
      for (let i = 0; i < 500; i++) {
        const key = keyBetween(low, high);
        expectStrictlyBetween(key, low, high);
        low = key;
      }
    });
  });

  describe('random edits', () => {
    it('keeps a list of 300 keys sorted and distinct through random inserts', () => {
      const next = random(42);
      const keys: string[] = [];
      for (let i = 0; i < 300; i++) {
        const at = Math.floor(next() * (keys.length + 1));
        const key = keyBetween(keys[at - 1] ?? null, keys[at] ?? null);
        keys.splice(at, 0, key);
      }
      const sorted = [...keys].sort();
      expect(keys).toEqual(sorted);
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.every(isOrderKey)).toBe(true);
    });
  });
});
