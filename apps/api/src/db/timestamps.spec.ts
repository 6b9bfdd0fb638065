import { describe, expect, it } from '@jest/globals';
import { isoString, isoTimestamp, timestamp } from './dialect.js';

describe('isoString', () => {
  // Moments in one second, across seconds, before 1970, and beyond year 9999 (a six-digit year).
  const moments = [
    Date.UTC(2026, 11, 7, 6, 0, 0, 0),
    Date.UTC(2026, 11, 7, 6, 0, 0, 7),
    Date.UTC(2026, 11, 7, 6, 0, 0, 42),
    Date.UTC(2026, 11, 7, 6, 0, 0, 999),
    Date.UTC(2026, 11, 7, 6, 0, 1, 5),
    Date.UTC(2026, 11, 7, 6, 0, 0, 500),
    -1,
    -1_500,
    0,
    Date.UTC(10_000, 0, 1, 0, 0, 0, 123),
  ];

  it.each(moments)('formats %d as toISOString does', (ms) => {
    expect(isoString(ms)).toBe(new Date(ms).toISOString());
  });

  it('refuses an invalid moment as toISOString does', () => {
    expect(() => isoString(Number.NaN)).toThrow(RangeError);
  });
});

describe('timestamp', () => {
  it('stores a moment with +00:00, given as a Date or as milliseconds', () => {
    const ms = Date.UTC(2026, 11, 7, 6, 30, 15, 4);
    expect(timestamp(ms)).toBe('2026-12-07T06:30:15.004+00:00');
    expect(timestamp(new Date(ms + 1))).toBe('2026-12-07T06:30:15.005+00:00');
    expect(isoTimestamp(timestamp(ms))).toBe('2026-12-07T06:30:15.004Z');
  });
});

describe('isoTimestamp', () => {
  it.each([
    '2026-12-07T06:30:15.004+00:00',
    '1969-12-31T23:59:59.999+00:00',
    '0001-01-01T00:00:00.000+00:00',
    '2026-12-07T06:30:15+00:00',
    '2026-12-07 06:30:15',
    '2026-12-07T06:30:15.004Z',
  ])('reads %s as a Date would', (stored) => {
    expect(isoTimestamp(stored)).toBe(
      new Date(stored.includes('T') ? stored : `${stored.replace(' ', 'T')}Z`).toISOString(),
    );
  });
});
