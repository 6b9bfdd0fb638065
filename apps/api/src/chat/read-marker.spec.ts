import { describe, expect, it } from '@jest/globals';
import { advanceReadMarker } from './read-marker.js';

describe('advanceReadMarker', () => {
  it('moves forward to the requested seq', () => {
    expect(advanceReadMarker(3, 7, 10)).toBe(7);
  });

  it('never moves back: an older seq keeps the stored marker', () => {
    expect(advanceReadMarker(7, 3, 10)).toBe(7);
    expect(advanceReadMarker(7, 7, 10)).toBe(7);
  });

  it("stops at the room's last seq", () => {
    expect(advanceReadMarker(3, 99, 10)).toBe(10);
    expect(advanceReadMarker(0, 5, 0)).toBe(0);
  });
});
