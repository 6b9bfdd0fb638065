/**
 * The live operations view: `/ops`, a namespace for operators only (see docs/operations.md),
 * where every node pushes its figures once a second. It takes no commands.
 */
export const OpsNamespace = '/ops';

export const OpsBroadcast = {
  /** One node's figures over the last interval. */
  Stats: 'ops:stats',
} as const;

/** Percentiles of the last interval, in milliseconds; null when nothing was measured. */
export interface Percentiles {
  p50: number;
  p99: number;
}

export interface NodeStats {
  /** The node's id (`<hostname>#<pid>`). */
  node: string;
  /** When the interval ended (ISO 8601), and its length. */
  at: string;
  intervalMs: number;
  /** Connected sockets per namespace, on this node. */
  sockets: Record<string, number>;
  /** The chat rooms with the most sockets on this node, biggest first. */
  biggestRooms: { roomId: string; name: string; sockets: number }[];
  /** Commands answered per second, by outcome (`ok` or an error code). */
  commandsPerSecond: Record<string, number>;
  /** Time from a command's arrival to its ack. */
  ackLatencyMs: Percentiles | null;
  /** Write transactions (one per batch of commands committed together). */
  databaseWriteMs: Percentiles | null;
  /** Writes per transaction: the mean and the largest. */
  writeBatchSize: { mean: number; max: number } | null;
  eventLoopDelayMs: Percentiles & { max: number };
  /** Commands refused with `RATE_LIMITED`, per second. */
  rateLimitedPerSecond: number;
}

export interface OpsServerEvents {
  [OpsBroadcast.Stats]: (stats: NodeStats) => void;
}
