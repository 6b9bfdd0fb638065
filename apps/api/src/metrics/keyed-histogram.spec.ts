import { describe, expect, it } from '@jest/globals';
import { Histogram, Registry } from 'prom-client';
import { KeyedHistogram } from './keyed-histogram.js';

describe(KeyedHistogram.name, () => {
  const buckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  const observations: [string, number][] = [
    ['message:send', 0],
    ['score:add', 0.0005],
    ['(unknown)', 0.0007],
    ['message:send', 0.001],
    ['score:add', 2.5],
    ['message:send', 3],
    ['(unknown)', 100],
    ['score:add', 0.3],
  ];

  function both() {
    const ours = new Registry();
    const theirs = new Registry();
    const keyed = new KeyedHistogram('latency_seconds', 'Latency, by command', 'command', buckets, ours);
    const histogram = new Histogram({
      name: 'latency_seconds',
      help: 'Latency, by command',
      labelNames: ['command'],
      buckets,
      registers: [theirs],
    });
    for (const [command, value] of observations) {
      keyed.observe(command, value);
      histogram.observe({ command }, value);
    }
    return { ours, theirs, keyed, histogram };
  }

  it("scrapes as prom-client's histogram of the same observations", async () => {
    const { ours, theirs } = both();
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());
  });

  it("hands its values over as prom-client's histogram does", async () => {
    const { keyed, histogram } = both();
    expect((await keyed.get()).values).toEqual((await histogram.get()).values);
  });

  it('starts again from nothing when reset', async () => {
    const { keyed } = both();
    keyed.reset();
    expect((await keyed.get()).values).toEqual([]);
  });
});
