import { describe, expect, it } from '@jest/globals';
import { id } from './common.js';
import { timeOrderedId } from './ids.js';

describe('timeOrderedId', () => {
  it('makes version 7 UUIDs that the contract accepts', () => {
    const value = timeOrderedId();
    expect(value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.safeParse(value).success).toBe(true);
  });

  it('starts with the time, so that later ids sort after earlier ones', async () => {
    const before = Date.now();
    const first = timeOrderedId();
    expect(Number.parseInt(first.replace('-', '').slice(0, 12), 16)).toBeGreaterThanOrEqual(before);
    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = timeOrderedId();
    expect(later > first).toBe(true);
    expect(Number.parseInt(first.replace('-', '').slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
  });

  it('does not repeat, in a tight loop', () => {
    const ids = new Set(Array.from({ length: 2_000 }, () => timeOrderedId()));
    expect(ids.size).toBe(2_000);
  });

  it('sorts in the order ids were made, also within one millisecond and past 4,096 of them', () => {
    const made = Array.from({ length: 10_000 }, () => timeOrderedId());
    expect([...made].sort()).toEqual(made);
  });
});
