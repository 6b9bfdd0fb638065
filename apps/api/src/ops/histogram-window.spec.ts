import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { HistogramWindow, percentilesMs, quantile } from './histogram-window.js';

describe(HistogramWindow.name, () => {
  it('reports what was observed since the previous call only', async () => {
    const histogram = new Histogram({ name: 'h', help: 'h', buckets: [0.001, 0.01, 0.1], registers: [new Registry()] });
    const sut = new HistogramWindow(histogram);
    for (let index = 0; index < 100; index++) histogram.observe(0.0005);
    expect((await sut.next()).count).toBe(100);
    for (let index = 0; index < 10; index++) histogram.observe(0.05);
    const window = await sut.next();
    expect(window.count).toBe(10);
    expect(window.buckets.get(0.001)).toBe(0);
    expect(window.buckets.get(0.1)).toBe(10);
    expect(percentilesMs(window)).toEqual({ p50: 55, p99: 99.1 });
    expect(percentilesMs(await sut.next())).toBeNull();
  });
});

describe('quantile', () => {
  it('interpolates inside the bucket, and stops at the last finite bound', () => {
    const buckets = new Map([
      [1, 50],
      [2, 100],
      [Infinity, 200],
    ]);
    expect(quantile(buckets, 200, 0.25)).toBe(1);
    expect(quantile(buckets, 200, 0.375)).toBe(1.5);
    expect(quantile(buckets, 200, 0.99)).toBe(2);
  });
});
