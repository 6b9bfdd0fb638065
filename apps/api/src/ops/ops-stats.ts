import { hostname } from 'node:os';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { Namespace, type NodeStats } from '@tandem/contract';
import type { Namespace as IoNamespace } from 'socket.io';
import { Broadcaster } from '../common/broadcaster.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SpaceKinds } from '../space-kinds.js';
import { SpacesRepository } from '../spaces/spaces.repository.js';
import { HistogramWindow, percentilesMs } from './histogram-window.js';

/** Rooms the view lists. */
const biggestRoomCount = 5;
const chatRoomPrefix = 'chat:';

const round = (value: number, places = 1) => Math.round(value * 10 ** places) / 10 ** places;

/**
 * This node's figures for the operations view, each over the interval since the previous call:
 * read from the Prometheus metrics the server keeps anyway (commands, acks, writes, rate
 * limits), Socket.IO's own rooms, and an event-loop delay monitor of its own.
 */
@Injectable()
export class OpsStats implements OnModuleDestroy {
  readonly node = `${hostname()}#${process.pid}`;
  private readonly ackLatency: HistogramWindow;
  private readonly databaseWrites: HistogramWindow;
  private readonly batchSizes: HistogramWindow;
  private readonly eventLoop: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private previous = { at: performance.now(), outcomes: new Map<string, number>(), rateLimited: 0 };

  constructor(
    private readonly metrics: MetricsService,
    private readonly broadcaster: Broadcaster,
    private readonly spaces: SpacesRepository,
  ) {
    this.ackLatency = new HistogramWindow(metrics.ackLatency);
    this.databaseWrites = new HistogramWindow(metrics.databaseWrites);
    this.batchSizes = new HistogramWindow(metrics.writeBatchSize);
    this.eventLoop.enable();
  }

  /** The figures since the previous call; `extra` namespaces (such as `/ops` itself) are counted too. */
  async collect(extra: IoNamespace[] = []): Promise<NodeStats> {
    const now = performance.now();
    const seconds = Math.max((now - this.previous.at) / 1000, 0.001);
    const outcomes = this.metrics.commandsByOutcome();
    const rateLimited = (await this.metrics.rateLimited.get()).values.reduce((sum, { value }) => sum + value, 0);
    const commandsPerSecond: Record<string, number> = {};
    for (const [outcome, count] of outcomes) {
      const delta = count - (this.previous.outcomes.get(outcome) ?? 0);
      if (delta > 0) commandsPerSecond[outcome] = round(delta / seconds);
    }
    const batches = await this.batchSizes.next();
    const namespaces = [...this.broadcaster.openNamespaces(), ...extra];
    const stats: NodeStats = {
      node: this.node,
      at: new Date().toISOString(),
      intervalMs: Math.round(seconds * 1000),
      sockets: Object.fromEntries(namespaces.map((namespace) => [namespace.name, namespace.sockets.size])),
      biggestRooms: await this.biggestRooms(namespaces.find((namespace) => namespace.name === Namespace.Chat)),
      commandsPerSecond,
      ackLatencyMs: percentilesMs(await this.ackLatency.next()),
      databaseWriteMs: percentilesMs(await this.databaseWrites.next()),
      writeBatchSize:
        batches.count > 0 ? { mean: round(batches.sum / batches.count), max: largestBound(batches.buckets) } : null,
      eventLoopDelayMs: {
        p50: round(this.eventLoop.percentile(50) / 1e6, 2),
        p99: round(this.eventLoop.percentile(99) / 1e6, 2),
        max: round(this.eventLoop.max / 1e6, 2),
      },
      rateLimitedPerSecond: round((rateLimited - this.previous.rateLimited) / seconds),
    };
    this.eventLoop.reset();
    this.previous = { at: now, outcomes, rateLimited };
    return stats;
  }

  onModuleDestroy(): void {
    this.eventLoop.disable();
  }

  private async biggestRooms(chat: IoNamespace | undefined): Promise<NodeStats['biggestRooms']> {
    if (!chat) return [];
    const sizes: { roomId: string; sockets: number }[] = [];
    for (const [key, members] of chat.adapter.rooms) {
      if (key.startsWith(chatRoomPrefix))
        sizes.push({ roomId: key.slice(chatRoomPrefix.length), sockets: members.size });
    }
    sizes.sort((a, b) => b.sockets - a.sockets);
    return Promise.all(
      sizes.slice(0, biggestRoomCount).map(async (room) => ({
        ...room,
        name: (await this.spaces.find(SpaceKinds.room, room.roomId))?.name ?? room.roomId,
      })),
    );
  }
}

/** The upper bound of the highest bucket that holds an observation (the largest batch, to a bucket). */
function largestBound(buckets: Map<number, number>): number {
  let below = 0;
  let largest = 0;
  for (const [bound, cumulative] of [...buckets].sort(([a], [b]) => a - b)) {
    if (cumulative > below && Number.isFinite(bound)) largest = bound;
    below = cumulative;
  }
  return largest;
}
