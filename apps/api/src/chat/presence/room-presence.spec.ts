import { afterEach, beforeEach, describe, expect, it, jest } from '@jest/globals';
import type { PresenceChanged, User } from '@tandem/contract';
import type { PresenceSettings } from '../../config.js';
import { PresenceCluster, type PeerLink } from './presence-cluster.js';
import { PresenceIndex } from './presence-index.js';
import { RoomPresence } from './room-presence.js';

const ann: User = { id: 'u-ann', name: 'ann' };
const bob: User = { id: 'u-bob', name: 'Bob' };
const settings: PresenceSettings = {
  graceMs: 5_000,
  awayMs: 60_000,
  windowMs: 250,
  maxWindowMs: 2_000,
  countWindowMs: 10_000,
  pageSize: 2,
  heartbeatMs: 1_000,
  timeoutMs: 3_000,
  joinNoticeMaxOnline: 100,
};
const active = { idle: false, activeAt: 1_000 };

describe(RoomPresence.name, () => {
  let sent: PresenceChanged[];
  let sut: RoomPresence;
  /** The first page once the pending delta went out. */
  const names = () => {
    jest.advanceTimersByTime(settings.maxWindowMs);
    return sut.page('r1', undefined, 100).members.map((member) => `${member.name}:${member.status}`);
  };

  beforeEach(() => {
    jest.useFakeTimers();
    sent = [];
    sut = new RoomPresence(settings, (delta) => sent.push(delta), undefined);
  });
  afterEach(() => {
    sut.close();
    jest.useRealTimers();
  });

  describe('joined', () => {
    it('lists a user once whatever their number of tabs, and answers the first page as last sent', () => {
      expect(sut.joined('s1', ann, 'r1', active)).toMatchObject({ version: 1, online: 1 });
      sut.joined('s2', bob, 'r1', active);
      const third = sut.joined('s3', bob, 'r1', active);
      // Within the window: the answer is the page clients hold, bob comes with the next delta.
      expect(third.members.map((member) => member.name)).toEqual(['ann']);
      jest.advanceTimersByTime(250);
      expect(sent.at(-1)).toMatchObject({ version: 2, online: 2, removed: [] });
      expect(sent.at(-1)?.members.map((member) => member.name)).toEqual(['Bob']);
      expect(names()).toEqual(['ann:online', 'Bob:online']);
    });

    it('coalesces a storm into a few deltas, each bounded by the page size', () => {
      for (let i = 0; i < 1_000; i++) {
        sut.joined(`s${i}`, { id: `u${i}`, name: `user ${String(i).padStart(4, '0')}` }, 'r1', active);
        jest.advanceTimersByTime(5);
      }
      // The page filled within the first window; the count alone waits for the count window.
      expect(sent.length).toBeLessThanOrEqual(2);
      jest.advanceTimersByTime(settings.countWindowMs);
      expect(sent.length).toBeLessThanOrEqual(3);
      for (const delta of sent) expect(delta.members.length + delta.removed.length).toBeLessThanOrEqual(4);
      expect(sent.at(-1)?.online).toBe(1_000);
      expect(sent.map((delta) => delta.version)).toEqual(sent.map((_, index) => index + 1));

      // A change to the first page does not wait for the count window.
      const before = sent.length;
      sut.joined('s-first', { id: 'u-first', name: 'aaa' }, 'r1', active);
      jest.advanceTimersByTime(settings.maxWindowMs);
      expect(sent.slice(before)).toMatchObject([{ online: 1_001, members: [{ name: 'aaa' }], removed: ['u1'] }]);
      // A change of the count alone waits for the count window since the last delta.
      sut.joined('s-other', { id: 'u-other', name: 'zzz' }, 'r1', active);
      jest.advanceTimersByTime(settings.maxWindowMs);
      expect(sent.length).toBe(before + 1);
      jest.advanceTimersByTime(settings.countWindowMs);
      expect(sent.at(-1)).toMatchObject({ online: 1_002, members: [], removed: [] });
    });
  });

  describe('activity', () => {
    it('tells of changes behind the first page by the count alone, and of those within it by members', () => {
      sut.joined('s1', ann, 'r1', active);
      sut.joined('s2', bob, 'r1', active);
      jest.advanceTimersByTime(settings.countWindowMs);
      sut.joined('s3', { id: 'u-zed', name: 'zed' }, 'r1', active);
      jest.advanceTimersByTime(settings.countWindowMs);
      expect(sent.at(-1)).toMatchObject({ online: 3, members: [], removed: [] });
      // zed goes away behind the page: nothing to tell.
      const told = sent.length;
      sut.activity('s3', true, 2_000);
      jest.advanceTimersByTime(settings.countWindowMs);
      expect(sent).toHaveLength(told);
      // aaron sorts first: the page changes, within the short window.
      sut.joined('s4', { id: 'u-aaron', name: 'aaron' }, 'r1', active);
      jest.advanceTimersByTime(settings.maxWindowMs);
      expect(sent).toHaveLength(told + 1);
      expect(sent.at(-1)).toMatchObject({ online: 4, removed: ['u-bob'] });
      expect(sent.at(-1)?.members.map((member) => member.name)).toEqual(['aaron']);
    });

    it('says away only when every tab of the user is idle', () => {
      sut.joined('s1', ann, 'r1', active);
      sut.joined('s2', ann, 'r1', active);
      sut.activity('s1', true, 2_000);
      expect(names()).toEqual(['ann:online']);
      sut.activity('s2', true, 3_000);
      expect(names()).toEqual(['ann:away']);
      sut.activity('s1', false, 4_000);
      jest.advanceTimersByTime(settings.maxWindowMs);
      expect(sut.page('r1', undefined, 1).members[0]).toMatchObject({
        status: 'online',
        lastSeenAt: new Date(4_000).toISOString(),
      });
    });
  });

  describe('disconnected', () => {
    it('keeps the user through the grace period, and a rejoin within it changes nothing', () => {
      sut.joined('s1', ann, 'r1', active);
      sut.joined('s2', bob, 'r1', active);
      jest.advanceTimersByTime(1_000);
      const deltas = sent.length;
      sut.disconnected('s2');
      jest.advanceTimersByTime(4_000);
      sut.joined('s3', bob, 'r1', active);
      jest.advanceTimersByTime(10_000);
      expect(sent.length).toBe(deltas);
      sut.disconnected('s3');
      jest.advanceTimersByTime(4_999);
      expect(sut.online('r1')).toBe(2);
      jest.advanceTimersByTime(1);
      expect(sut.online('r1')).toBe(1);
      jest.advanceTimersByTime(2_000);
      expect(sent.at(-1)).toMatchObject({ online: 1, removed: [bob.id] });
    });

    it('keeps the user while another tab stays', () => {
      sut.joined('s1', ann, 'r1', active);
      sut.joined('s2', ann, 'r1', active);
      sut.disconnected('s1');
      jest.advanceTimersByTime(10_000);
      expect(names()).toEqual(['ann:online']);
    });
  });

  describe('left', () => {
    it('drops every tab of the user at once', () => {
      sut.joined('s1', ann, 'r1', active);
      sut.joined('s2', ann, 'r1', active);
      sut.left('r1', ann);
      expect(sut.online('r1')).toBe(0);
    });
  });

  describe('page', () => {
    it('pages in name order with cursors, and refuses a cursor it did not make', () => {
      for (const [index, name] of ['dan', 'Cy', 'bea', 'Eve', 'ann'].entries()) {
        sut.joined(`s${index}`, { id: `u${index}`, name }, 'r1', active);
      }
      jest.advanceTimersByTime(settings.maxWindowMs);
      const first = sut.page('r1', undefined, 2);
      expect(first.members.map((member) => member.name)).toEqual(['ann', 'bea']);
      const second = sut.page('r1', first.nextCursor ?? undefined, 2);
      expect(second.members.map((member) => member.name)).toEqual(['Cy', 'dan']);
      const third = sut.page('r1', second.nextCursor ?? undefined, 2);
      expect(third).toMatchObject({ online: 5, nextCursor: null });
      expect(() => sut.page('r1', Buffer.from('nonsense').toString('base64url'), 2)).toThrow('cursor');
    });
  });
});

/** Two nodes linked in memory, as the adapter's `serverSideEmit` links them. */
function linkedPeers(): [PeerLink, PeerLink] {
  const listeners = [new Map<string, (payload: never) => void>(), new Map<string, (payload: never) => void>()];
  const link = (self: number): PeerLink => ({
    emit: (event, payload) => listeners[1 - self]?.get(event)?.(structuredClone(payload) as never),
    on: (event, listener) => void listeners[self]?.set(event, listener),
  });
  return [link(0), link(1)];
}

describe(PresenceCluster.name, () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('shares members between nodes (a user with tabs on both is one), and drops a silent node after the timeout', () => {
    const [linkA, linkB] = linkedPeers();
    const indexA = new PresenceIndex(() => undefined);
    const indexB = new PresenceIndex(() => undefined);
    const clusterA = new PresenceCluster('A', indexA, linkA, settings, () => undefined);
    const clusterB = new PresenceCluster('B', indexB, linkB, settings, () => undefined);
    for (const [index, cluster, node] of [
      [indexA, clusterA, 'A'],
      [indexB, clusterB, 'B'],
    ] as const) {
      index.set('r1', node, ann, active);
      cluster.queue('r1', ann, active);
    }
    indexB.set('r1', 'B', bob, { idle: true, activeAt: 5 });
    clusterB.queue('r1', bob, { idle: true, activeAt: 5 });
    jest.advanceTimersByTime(1);
    expect(indexA.online('r1')).toBe(2);
    expect(indexA.member('r1', bob.id)?.status).toBe('away');

    // B crashes: no heartbeat, no goodbye. A keeps its own tab of ann, and drops bob.
    clusterB.close = () => undefined;
    linkB.emit = () => undefined;
    jest.advanceTimersByTime(settings.timeoutMs + settings.heartbeatMs);
    expect(indexA.online('r1')).toBe(1);
    expect(indexA.member('r1', ann.id)?.status).toBe('online');
    clusterA.close();
  });

  it('hands its state to a node that starts later, and drops its members at once when it says goodbye', () => {
    const [linkA, linkB] = linkedPeers();
    const indexA = new PresenceIndex(() => undefined);
    const clusterA = new PresenceCluster('A', indexA, linkA, settings, () => undefined);
    indexA.set('r1', 'A', ann, active);
    const indexB = new PresenceIndex(() => undefined);
    const clusterB = new PresenceCluster('B', indexB, linkB, settings, () => undefined);
    expect(indexB.member('r1', ann.id)).toMatchObject({ name: 'ann', status: 'online' });
    clusterA.close();
    expect(indexB.online('r1')).toBe(0);
    clusterB.close();
  });
});
