import { describe, expect, it } from '@jest/globals';
import { applyPresence, byPresenceOrder, type PresenceHeld, type PresenceMember } from './presence.js';

const member = (id: string, name: string, status: 'online' | 'away' = 'online'): PresenceMember => ({
  id,
  name,
  status,
  lastSeenAt: '2026-01-01T00:00:00.000Z',
});

describe('applyPresence', () => {
  const held = (): PresenceHeld => ({
    members: [member('a', 'ann'), member('b', 'Bob')],
    online: 2,
    presenceVersion: 4,
  });

  it('adds, replaces and removes members in name order, and takes the count and version', () => {
    const sut = held();
    const outcome = applyPresence(sut, {
      roomId: 'r',
      version: 5,
      online: 3,
      members: [member('c', 'cy'), member('b', 'Bob', 'away'), member('0', 'Abe')],
      removed: ['a'],
    });
    expect(outcome).toBe('applied');
    expect(sut.members.map((entry) => `${entry.name}:${entry.status}`)).toEqual([
      'Abe:online',
      'Bob:away',
      'cy:online',
    ]);
    expect(sut).toMatchObject({ online: 3, presenceVersion: 5 });
  });

  it('ignores a delta already held, and reports one that skips a version without applying it', () => {
    const sut = held();
    expect(applyPresence(sut, { roomId: 'r', version: 4, online: 9, members: [], removed: ['a'] })).toBe('applied');
    expect(applyPresence(sut, { roomId: 'r', version: 6, online: 9, members: [], removed: ['a'] })).toBe('gap');
    expect(sut).toEqual(held());
  });
});

describe('byPresenceOrder', () => {
  it('orders by name without regard to case, then exact name, then id', () => {
    const sorted = [member('2', 'bob'), member('1', 'Bob'), member('3', 'ann'), member('0', 'bob')].sort(
      byPresenceOrder,
    );
    expect(sorted.map((entry) => `${entry.name}/${entry.id}`)).toEqual(['ann/3', 'Bob/1', 'bob/0', 'bob/2']);
  });
});
