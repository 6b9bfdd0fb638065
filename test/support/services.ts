import { afterAll, beforeAll, describe } from '@jest/globals';
import pg from 'pg';
import { createClient } from 'redis';
import { spawnServer, type ServerProcess } from './process.js';

export const redisUrl = process.env.TANDEM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const postgresAdminUrl = process.env.TANDEM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Whether Redis and PostgreSQL answer; the reason when they do not. */
export async function externalServices(): Promise<{ ok: true } | { ok: false; why: string }> {
  const problems: string[] = [];
  const redis = createClient({ url: redisUrl, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  redis.on('error', () => undefined);
  await redis
    .connect()
    .then(() => redis.ping())
    .catch((error: unknown) => problems.push(`Redis at ${redisUrl}: ${String(error)}`))
    .finally(() => (redis.isOpen ? redis.quit() : undefined));
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2_000 });
  await client
    .connect()
    .then(() => client.query('SELECT 1'))
    .catch((error: unknown) => problems.push(`PostgreSQL at ${postgresAdminUrl}: ${String(error)}`))
    .finally(() => client.end().catch(() => undefined));
  return problems.length ? { ok: false, why: problems.join('; ') } : { ok: true };
}

/** A fresh database on the PostgreSQL server, dropped by the returned function. */
export async function freshPostgresDatabase(icuLocale?: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `tandem_test_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  // A locale's order of text (ICU's, so that no operating system locale is needed): `icuLocale`.
  const locale = icuLocale ? ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${icuLocale}' LOCALE 'C.UTF-8'` : '';
  await admin.query(`CREATE DATABASE "${name}"${locale}`);
  await admin.end();
  const url = new URL(postgresAdminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const dropper = new pg.Client({ connectionString: postgresAdminUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await dropper.end();
    },
  };
}

/**
 * `describe` when Redis and PostgreSQL answer. When they do not, the suite fails loudly under CI
 * and otherwise says "skipped: why" and is skipped.
 */
export async function describeWithServices(suite: string): Promise<typeof describe> {
  const services = await externalServices();
  if (!services.ok && process.env.CI) throw new Error(`the ${suite} cannot run: ${services.why}`);
  if (services.ok) return describe;
  console.log(`skipped: ${suite} needs Redis and PostgreSQL (${services.why})`);
  return describe.skip as typeof describe;
}

/** The Redis prefix the nodes of a PostgreSQL database use by default: from its deployment id. */
export async function defaultRedisPrefix(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>('SELECT id FROM "Deployment"');
    return `tandem:${rows[0].id}:`;
  } finally {
    await client.end();
  }
}

/** Deletes every key starting with `prefix` from the test Redis (what a suite's nodes left there). */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = createClient({ url: redisUrl });
  await redis.connect();
  try {
    for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1_000 })) {
      if (keys.length) await redis.del(keys);
    }
  } finally {
    await redis.quit();
  }
}

/** What `nodesOnOneDatabase` starts: filled in before the suite's first test. */
export interface Cluster {
  database: { url: string; drop: () => Promise<void> };
  nodes: ServerProcess[];
}

/**
 * `count` server processes on a fresh PostgreSQL database and Redis, started before the suite's
 * tests (one after the other: the first applies the migrations) and killed after them (after
 * `closeClients`), the database then dropped and its deployment's Redis keys deleted.
 */
export function nodesOnOneDatabase(count: number, env: Record<string, string>, closeClients: () => void): Cluster {
  const cluster = { nodes: [] } as unknown as Cluster;
  beforeAll(async () => {
    cluster.database = await freshPostgresDatabase();
    for (let node = 0; node < count; node++) {
      cluster.nodes.push(await spawnServer(cluster.database.url, { REDIS_URL: redisUrl, ...env }));
    }
  });
  afterAll(async () => {
    closeClients();
    for (const node of cluster.nodes) node.child.kill('SIGKILL');
    await Promise.all(cluster.nodes.map((node) => node.exited));
    if (cluster.database) {
      await deleteRedisKeys(await defaultRedisPrefix(cluster.database.url));
      await cluster.database.drop();
    }
  });
  return cluster;
}
