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

  // The next key on either side of a position, ignoring the item being placed ('' ignores none).
  describe('after and before', () => {
    it.each<[side: 'after' | 'before', position: string | null, ignored: string, next: string | null]>([
      ['after', null, '', 'A0000000000000000000000000V'],
      ['after', 'Zz', '', 'a0V'],
      ['after', 'Zz', 'a0V', 'a1'],
      ['after', 'a1', '', null],
      ['before', null, '', 'a1'],
      ['before', 'a0V', '', 'Zz'],
      ['before', 'a0V', 'Zz', 'A0000000000000000000000000V'],
      ['before', 'A0000000000000000000000000V', '', null],
    ])('%s %p, ignoring %p, is %p', (side, position, ignored, next) => {
      expect(sut[side](position, ignored)).toBe(next);
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
