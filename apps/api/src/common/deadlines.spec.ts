import { describe, expect, it } from '@jest/globals';
import { Deadlines } from './deadlines.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Item {
  name: string;
  deadline: number;
}

function deadlines() {
  const expired: { name: string; lateMs: number }[] = [];
  const sut = new Deadlines<Item>(
    (item) => item.deadline,
    (item) => expired.push({ name: item.name, lateMs: Date.now() - item.deadline }),
  );
  return { sut, expired };
}

describe(Deadlines.name, () => {
  it('expires each item at its deadline, not before, and at most 50 ms after', async () => {
    const { sut, expired } = deadlines();
    const now = Date.now();
    const items = [
      { name: 'late', deadline: now + 300 },
      { name: 'early', deadline: now + 100 },
      { name: 'past', deadline: now - 10 },
    ];
    for (const item of items) sut.add(item);
    await sleep(450);
    expect(expired.map((entry) => entry.name)).toEqual(['past', 'early', 'late']);
    for (const { name, lateMs } of expired) {
      expect({ name, early: lateMs < 0 }).toEqual({ name, early: false });
      // The timer itself may fire late on a loaded machine; the bucket adds at most 50 ms.
      expect(lateMs).toBeLessThan(name === 'past' ? 200 : 150);
    }
    expect(sut.size).toBe(0);
  });

  it('reads a moved deadline again when the old one comes, and takes an earlier one at once', async () => {
    const { sut, expired } = deadlines();
    const later = { name: 'later', deadline: Date.now() + 100 };
    const sooner = { name: 'sooner', deadline: Date.now() + 5_000 };
    sut.add(later);
    sut.add(sooner);
    later.deadline = Date.now() + 300;
    sooner.deadline = Date.now() + 150;
    sut.add(sooner);
    await sleep(220);
    expect(expired.map((entry) => entry.name)).toEqual(['sooner']);
    await sleep(250);
    expect(expired.map((entry) => entry.name)).toEqual(['sooner', 'later']);
  });

  it('forgets a deleted item, and everything on clear', async () => {
    const { sut, expired } = deadlines();
    const [gone, cleared] = ['gone', 'cleared'].map((name) => ({ name, deadline: Date.now() + 50 }));
    sut.add(gone as Item);
    sut.delete(gone as Item);
    expect(sut.size).toBe(0);
    sut.add(cleared as Item);
    sut.clear();
    await sleep(150);
    expect(expired).toEqual([]);
  });

  it('keeps deadlines days away in a few wide buckets, looked at before they are due', () => {
    const { sut, expired } = deadlines();
    const now = Date.now();
    for (let index = 0; index < 10_000; index++)
      sut.add({ name: String(index), deadline: now + 86_400_000 + index * 60 });
    expect(sut.size).toBe(10_000);
    const buckets = (sut as unknown as { times: number[] }).times;
    expect(buckets.length).toBeLessThanOrEqual(2);
    expect(buckets.every((at) => at > now && at <= now + 86_400_000)).toBe(true);
    sut.clear();
    expect(expired).toEqual([]);
  });
});
