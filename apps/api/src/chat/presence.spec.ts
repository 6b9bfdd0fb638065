import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { User } from '@tandem/contract';
import { PresenceGrace, presenceMembers, type PresenceSource } from './presence.js';

const ann: User = { id: 'u-ann', name: 'ann' };
const bob: User = { id: 'u-bob', name: 'bob' };

function source(user: User, idle: boolean, activeAt: number): PresenceSource {
  return { user, idle, activeAt };
}

describe('presenceMembers', () => {
  it('lists each user once, sorted by name, whatever their number of sockets', () => {
    const sut = presenceMembers([source(bob, false, 1_000), source(ann, false, 2_000), source(bob, false, 3_000)]);
    expect(sut.map((member) => member.name)).toEqual(['ann', 'bob']);
    expect(sut[1]).toEqual({ id: bob.id, name: 'bob', status: 'online', lastSeenAt: new Date(3_000).toISOString() });
  });

  it('says away only when every socket of the user is idle', () => {
    expect(presenceMembers([source(ann, true, 1), source(ann, false, 2)])[0]!.status).toBe('online');
    expect(presenceMembers([source(ann, true, 1), source(ann, true, 2)])[0]!.status).toBe('away');
  });

  it('lists nobody for no sockets', () => {
    expect(presenceMembers([])).toEqual([]);
  });
});

describe(PresenceGrace.name, () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  describe('hold', () => {
    it('keeps the user listed until the grace ends, then calls back', () => {
      const sut = new PresenceGrace(5_000);
      const expired = jest.fn();
      expect(sut.hold('r1', source(ann, false, 0), expired)).toBe(true);
      jest.advanceTimersByTime(4_999);
      expect(sut.lingering('r1').map((held) => held.user)).toEqual([ann]);
      expect(expired).not.toHaveBeenCalled();
      jest.advanceTimersByTime(1);
      expect(sut.lingering('r1')).toEqual([]);
      expect(expired).toHaveBeenCalledTimes(1);
    });

    it('starts the grace again when the same user is held again', () => {
      const sut = new PresenceGrace(1_000);
      const first = jest.fn();
      const second = jest.fn();
      sut.hold('r1', source(ann, false, 0), first);
      jest.advanceTimersByTime(600);
      sut.hold('r1', source(ann, false, 600), second);
      jest.advanceTimersByTime(600);
      expect(first).not.toHaveBeenCalled();
      expect(sut.lingering('r1')).toHaveLength(1);
      jest.advanceTimersByTime(400);
      expect(second).toHaveBeenCalledTimes(1);
    });

    it('holds nobody without a grace period', () => {
      const sut = new PresenceGrace(0);
      expect(sut.hold('r1', source(ann, false, 0), () => undefined)).toBe(false);
      expect(sut.lingering('r1')).toEqual([]);
    });
  });

  describe('release', () => {
    it('drops the user at once, and the callback never runs', () => {
      const sut = new PresenceGrace(1_000);
      const expired = jest.fn();
      sut.hold('r1', source(ann, false, 0), expired);
      sut.hold('r1', source(bob, false, 0), () => undefined);
      sut.release('r1', ann.id);
      expect(sut.lingering('r1').map((held) => held.user)).toEqual([bob]);
      jest.advanceTimersByTime(2_000);
      expect(expired).not.toHaveBeenCalled();
    });
  });

  describe('clear', () => {
    it('drops every hold and timer', () => {
      const sut = new PresenceGrace(1_000);
      const expired = jest.fn();
      sut.hold('r1', source(ann, false, 0), expired);
      sut.hold('r2', source(bob, false, 0), expired);
      sut.clear();
      jest.advanceTimersByTime(2_000);
      expect(expired).not.toHaveBeenCalled();
      expect(sut.lingering('r1')).toEqual([]);
    });
  });
});
