import { describe, expect, it } from '@jest/globals';
import { TypingThrottle } from './typing-throttle.js';

describe(TypingThrottle.name, () => {
  describe('shouldForward', () => {
    it('forwards the first "typing" and drops repeats within the interval', () => {
      const sut = new TypingThrottle(1_000);
      expect(sut.shouldForward('s1', 'r1', true, 0)).toBe(true);
      expect(sut.shouldForward('s1', 'r1', true, 999)).toBe(false);
      expect(sut.shouldForward('s1', 'r1', true, 1_000)).toBe(true);
    });

    it('keeps sockets and rooms apart', () => {
      const sut = new TypingThrottle(1_000);
      expect(sut.shouldForward('s1', 'r1', true, 0)).toBe(true);
      expect(sut.shouldForward('s1', 'r2', true, 1)).toBe(true);
      expect(sut.shouldForward('s2', 'r1', true, 2)).toBe(true);
    });

    it('forwards "stopped" only after a forwarded "typing", and then allows a new start', () => {
      const sut = new TypingThrottle(1_000);
      expect(sut.shouldForward('s1', 'r1', false, 0)).toBe(false);
      sut.shouldForward('s1', 'r1', true, 0);
      expect(sut.shouldForward('s1', 'r1', false, 10)).toBe(true);
      expect(sut.shouldForward('s1', 'r1', true, 20)).toBe(true);
    });
  });

  describe('forgetSocket', () => {
    it('drops the state of a socket that left', () => {
      const sut = new TypingThrottle(1_000);
      sut.shouldForward('s1', 'r1', true, 0);
      sut.forgetSocket('s1');
      expect(sut.shouldForward('s1', 'r1', true, 1)).toBe(true);
    });
  });
});
