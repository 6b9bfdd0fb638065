import { describe, expect, it } from '@jest/globals';
import { byPosition } from './list-order.js';

const placed = (position: string, id = position) => ({ id, position });

// Where a key lies among a list's keys is the database's answer (`nearestKey`): see the lists'
// order cases in test/support/conformance, run on SQLite and on PostgreSQL.
describe(byPosition.name, () => {
  it('orders by key in byte order, then by id', () => {
    const sorted = [placed('a0', 'b'), placed('Zz'), placed('a0', 'a')].sort(byPosition);
    expect(sorted).toEqual([placed('Zz'), placed('a0', 'a'), placed('a0', 'b')]);
  });
});
