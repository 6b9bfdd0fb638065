import { describe, expect, it } from '@jest/globals';
import { MessagesInFlight } from './messages-in-flight.js';

describe(MessagesInFlight.name, () => {
  describe('run', () => {
    it('tells a command whether it is alone on its message, until the ones before it settle', async () => {
      const sut = new MessagesInFlight();
      const told: string[] = [];
      let finish!: () => void;
      const first = sut.run('a', (alone) => {
        told.push(`first ${alone}`);
        return new Promise<void>((resolve) => (finish = resolve));
      });
      await sut.run('b', async (alone) => void told.push(`other message ${alone}`));
      await sut.run('a', async (alone) => void told.push(`second ${alone}`));
      finish();
      await first;
      await sut.run('a', async (alone) => void told.push(`after ${alone}`));
      expect(told).toEqual(['first true', 'other message true', 'second false', 'after true']);
      expect(sut.size).toBe(0);
    });

    it('forgets a command that failed', async () => {
      const sut = new MessagesInFlight();
      await expect(sut.run('a', () => Promise.reject(new Error('refused')))).rejects.toThrow('refused');
      expect(sut.size).toBe(0);
      expect(await sut.run('a', async (alone) => alone)).toBe(true);
    });
  });
});
