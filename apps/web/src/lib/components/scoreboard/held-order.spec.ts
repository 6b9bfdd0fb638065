import { describe, expect, it } from '@jest/globals';
import { inHeldOrder } from './held-order.js';

const rows = (...ids: string[]) => ids.map((id) => ({ id }));
const ids = (list: { id: string }[]) => list.map((row) => row.id);

describe(inHeldOrder.name, () => {
  it('is the live order when nothing is held', () => {
    expect(ids(inHeldOrder(rows('b', 'a'), null))).toEqual(['b', 'a']);
  });

  it('keeps the held order when the live order changes', () => {
    expect(ids(inHeldOrder(rows('chaser', 'leader', 'third'), ['leader', 'chaser', 'third']))).toEqual([
      'leader',
      'chaser',
      'third',
    ]);
  });

  it('puts rows added during the hold last, in their live order', () => {
    expect(ids(inHeldOrder(rows('new-top', 'a', 'new-low', 'b'), ['b', 'a']))).toEqual([
      'b',
      'a',
      'new-top',
      'new-low',
    ]);
  });

  it('drops rows removed during the hold', () => {
    expect(ids(inHeldOrder(rows('c', 'a'), ['a', 'b', 'c']))).toEqual(['a', 'c']);
  });

  it('returns a new array, leaving the live one alone', () => {
    const live = rows('a', 'b');
    const shown = inHeldOrder(live, ['b', 'a']);
    expect(ids(live)).toEqual(['a', 'b']);
    expect(shown).not.toBe(live);
  });
});
