import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type * as streamsAdapter from '@socket.io/redis-streams-adapter';
import type { createClient } from 'redis';
import type { DatabaseService } from '../db/database.service.js';

export type RedisClient = ReturnType<typeof createClient>;

/** The Redis connection when REDIS_URL is set, else null. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/**
 * Connects before the app is built: Socket.IO's adapter needs a live client from the start.
 * `redis` and the adapter are loaded only here, with REDIS_URL (about 3 MB of the idle heap).
 */
export async function connectRedis(url: string): Promise<RedisClient> {
  const { createClient } = await import('redis');
  const logger = new Logger('Redis');
  // Without an offline queue, a command fails at once while Redis is unreachable: broadcasts then
  // still reach this node's sockets instead of waiting for Redis to come back.
  const client = createClient({ url, disableOfflineQueue: true });
  // The adapter reads the stream on a duplicate of this client and retries a failed read at once:
  // that duplicate keeps its offline queue, so while Redis is away its read waits instead of
  // spinning and starving the event loop.
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (overrides?: object) => duplicate({ ...overrides, disableOfflineQueue: false });
  // node-redis reconnects by itself; errors are logged rather than crashing the process.
  client.on('error', (error: unknown) => logger.error(String(error)));
  // The adapter sends server-side emits (the presence exchange) with PUBLISH and drops the promise:
  // while Redis is unreachable its rejection would be unhandled and stop the process. Log it instead.
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<number>;
  Object.assign(client, {
    publish: (...args: unknown[]) =>
      publish(...args).catch((error: unknown) => {
        logger.warn(`a publish to Redis failed: ${String(error)}`);
        return 0;
      }),
  });
  await client.connect();
  return client;
}

/**
 * The start of every Redis key and channel of this deployment: REDIS_PREFIX, else one made of the
 * id drawn when the database was created. Nodes on one database share it; two deployments (two
 * databases) on one Redis never hear each other.
 */
export async function redisKeyPrefix(configured: string | undefined, database: DatabaseService): Promise<string> {
  if (configured) return configured;
  const { reader } = database;
  const deployment = await reader.first(reader.db.selectFrom('Deployment').select('id'));
  if (!deployment) throw new Error('the database has no deployment id: are its migrations applied?');
  return `tandem:${deployment.id}:`;
}

/** Socket.IO's streams adapter with its stream, its pub/sub channels and its session keys under `prefix`. */
export async function clusterAdapter(
  client: RedisClient,
  prefix: string,
): Promise<ReturnType<typeof streamsAdapter.createAdapter>> {
  const { createAdapter } = await import('@socket.io/redis-streams-adapter');
  return createAdapter(client, {
    streamName: `${prefix}socket.io`,
    channelPrefix: `${prefix}socket.io`,
    sessionKeyPrefix: `${prefix}sio:session:`,
  });
}

@Injectable()
export class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: RedisClient | null) {}

  async ping(): Promise<'ok' | 'not configured'> {
    if (!this.client) return 'not configured';
    await this.client.ping();
    return 'ok';
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client?.isOpen) await this.client.quit();
  }
}
