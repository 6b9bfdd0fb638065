import { describe, expect, it } from '@jest/globals';
import { id } from '@tandem/contract';
import { newId } from './new-id.js';

describe('newId', () => {
  it('makes version 7 UUIDs that the contract accepts', () => {
    const value = newId();
    expect(value).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(id.safeParse(value).success).toBe(true);
  });

  it('starts with the time, so that later ids sort after earlier ones', async () => {
    const first = newId();
    await new Promise((resolve) => setTimeout(resolve, 2));
    const later = newId();
    expect(later > first).toBe(true);
    expect(Number.parseInt(first.replace('-', '').slice(0, 12), 16)).toBeLessThanOrEqual(Date.now());
  });

  it('does not repeat, across refills of its random pool', () => {
    const ids = new Set(Array.from({ length: 2_000 }, () => newId()));
    expect(ids.size).toBe(2_000);
  });
});
