import { describe, expect, it } from '@jest/globals';
import { ListOrder, byPosition } from './list-order.js';

const placed = (position: string, id = position) => ({ id, position });

describe(ListOrder.name, () => {
  // Mixed case on purpose: byte order puts every upper-case key before every lower-case one,
  // where a locale-aware collation would interleave them.
  const sut = new ListOrder([placed('a1'), placed('Zz'), placed('a0V'), placed('A0000000000000000000000000V')]);

  describe('last', () => {
    it('is the highest key in byte order, or null when the list is empty', () => {
      expect(sut.last()).toBe('a1');
      expect(new ListOrder([]).last()).toBeNull();
    });
  });

  describe('after', () => {
    it('finds the next key above a position, ignoring the item being placed', () => {
      expect(sut.after(null, '')).toBe('A0000000000000000000000000V');
      expect(sut.after('Zz', '')).toBe('a0V');
      expect(sut.after('Zz', 'a0V')).toBe('a1');
      expect(sut.after('a1', '')).toBeNull();
    });
  });

  describe('before', () => {
    it('finds the previous key below a position, ignoring the item being placed', () => {
      expect(sut.before(null, '')).toBe('a1');
      expect(sut.before('a0V', '')).toBe('Zz');
      expect(sut.before('a0V', 'Zz')).toBe('A0000000000000000000000000V');
      expect(sut.before('A0000000000000000000000000V', '')).toBeNull();
    });
  });

  describe('isTaken', () => {
    it('tells whether another item holds a key', () => {
      expect(sut.isTaken('Zz', '')).toBe(true);
      expect(sut.isTaken('Zz', 'Zz')).toBe(false);
      expect(sut.isTaken('a0', '')).toBe(false);
    });
  });
});

describe(byPosition.name, () => {
  it('orders by key in byte order, then by id', () => {
    const sorted = [placed('a0', 'b'), placed('Zz'), placed('a0', 'a')].sort(byPosition);
    expect(sorted).toEqual([placed('Zz'), placed('a0', 'a'), placed('a0', 'b')]);
  });
});
