import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { createClient } from 'redis';

export type RedisClient = ReturnType<typeof createClient>;

/** The Redis connection when REDIS_URL is set, else null. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** Connects before the app is built: Socket.IO's adapter needs a live client from the start. */
export async function connectRedis(url: string): Promise<RedisClient> {
  const logger = new Logger('Redis');
  // Without an offline queue, a command fails at once while Redis is unreachable: broadcasts then
  // still reach this node's sockets instead of waiting for Redis to come back.
  const client = createClient({ url, disableOfflineQueue: true });
  // The adapter reads the stream on a duplicate of this client and retries a failed read at once:
  // that duplicate keeps its offline queue, so while Redis is away its read waits instead of
  // spinning and starving the event loop.
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((overrides?: object) =>
    duplicate({ ...overrides, disableOfflineQueue: false })) as typeof client.duplicate;
  // node-redis reconnects by itself; errors are logged rather than crashing the process.
  client.on('error', (error: unknown) => logger.error(String(error)));
  await client.connect();
  return client;
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
