import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PresenceLimits } from '@tandem/contract';
import { z } from 'zod';

/** The repository's root: config.ts sits in apps/api/src (and config.js in apps/api/dist). */
export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

const environment = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: z
    .string()
    .regex(/^(file:|postgres(ql)?:\/\/)/, 'must be a SQLite "file:" URL or a "postgres://" URL')
    .default('file:./data/tandem.db'),
  /** Unset: one process. Set: Socket.IO's Redis streams adapter links every node. */
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a "redis://" URL')
    .optional(),
  /** Starts every Redis key and channel; unset: `tandem:<the database's deployment id>:`. */
  REDIS_PREFIX: z
    .string()
    .regex(/^\S{1,100}$/, 'must be 1 to 100 characters without spaces')
    .optional(),
  TOKEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TOKEN_TTL_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(7 * 24 * 3600),
  CORS_ORIGIN: z.string().min(1).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'verbose']).default('info'),
  /** Commands a socket may send at once, per class of command; and the refill rate per second. */
  RATE_LIMIT_BURST: z.coerce.number().int().positive().default(100),
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  /** A user's budget (all their sockets together) is this many times a socket's. */
  RATE_LIMIT_USER_FACTOR: z.coerce.number().positive().default(2),
  /** `message:search` has its own budget, per user (all their sockets together). */
  SEARCH_RATE_BURST: z.coerce.number().int().positive().default(5),
  SEARCH_RATE_PER_SECOND: z.coerce.number().positive().default(2),
  /** Sign-in attempts (and password changes) per username: a burst, then this many per second. */
  SIGN_IN_RATE_BURST: z.coerce.number().int().positive().default(5),
  SIGN_IN_RATE_PER_SECOND: z.coerce.number().positive().default(0.05),
  /** Sign-ins, sign-ups and claims per client address: this many times a username's budget. */
  SIGN_IN_ADDRESS_FACTOR: z.coerce.number().positive().default(4),
  /**
   * Express's `trust proxy` behind a reverse proxy (`loopback`, a hop count, addresses): the client
   * address the sign-in limits count by is then read from X-Forwarded-For. Unset: the peer's address.
   */
  TRUST_PROXY: z.string().min(1).optional(),
  /** A room's typing signals are sent together at most once per this window. */
  TYPING_THROTTLE_MS: z.coerce.number().int().min(0).default(1_000),
  /** How long a user whose last tab disconnected stays in a room's presence (a reload is not "offline"). */
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(5_000),
  /** Without a command or an `activity` signal from any of their tabs for this long, a user is "away". */
  PRESENCE_AWAY_MS: z.coerce.number().int().min(100).max(86_400_000).default(180_000),
  /** `/ws` pings each connection this often; one that has not answered the previous ping is dropped. */
  PLAIN_WS_PING_INTERVAL_MS: z.coerce.number().int().min(50).max(600_000).default(25_000),
  /** `/ws` closes a connection that has not sent its auth frame by then (4401 `token_missing`). */
  PLAIN_WS_AUTH_TIMEOUT_MS: z.coerce.number().int().min(50).max(600_000).default(10_000),
  /** A quiet room's presence changes go out within this window; a busy room's window doubles up to the max. */
  PRESENCE_WINDOW_MS: z.coerce.number().int().min(0).max(250).default(250),
  PRESENCE_WINDOW_MAX_MS: z.coerce.number().int().min(0).max(60_000).default(2_000),
  /** In a room bigger than the first page, a change of the online count alone goes out at most this often. */
  PRESENCE_COUNT_WINDOW_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Several nodes: how often each says it is alive, and after how long without a word its members are dropped. */
  PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  PRESENCE_NODE_TIMEOUT_MS: z.coerce.number().int().min(300).max(600_000).default(15_000),
  /** A first join (or a leave) is announced by a system message only while fewer people than this are online in the room. */
  JOIN_NOTICE_MAX_ONLINE: z.coerce.number().int().min(0).default(100),
  /** Who may open the live operations view: user ids, comma-separated; unset: the first account created. */
  OPERATORS: z
    .string()
    .regex(
      /^\s*[0-9a-f-]{36}\s*(,\s*[0-9a-f-]{36}\s*)*$/i,
      'must be user ids (UUIDs) separated by commas: names are not identity',
    )
    .optional(),
  /** Both set: Socket.IO's Admin UI at /admin/socket-io/, signing in with these. Unset: off. */
  ADMIN_UI_USERNAME: z.string().min(1).max(100).optional(),
  /** The password itself (hashed with bcrypt at start-up), or a bcrypt hash of it (`$2a$`, `$2b$`, `$2y$`). */
  ADMIN_UI_PASSWORD: z.string().min(8, 'must be at least 8 characters').max(72).optional(),
});

/** The embedded SQLite file (the default), or a PostgreSQL server for several nodes. */
export type DatabaseTarget =
  { provider: 'sqlite'; url: string; /** absolute path */ file: string } | { provider: 'postgresql'; url: string };

export interface AppConfig {
  port: number;
  host: string;
  database: DatabaseTarget;
  redisUrl: string | undefined;
  /** REDIS_PREFIX; unset, the prefix is read from the database (see `redisKeyPrefix`). */
  redisPrefix: string | undefined;
  /** Where generated state (the token secret) is kept: the SQLite file's folder, else ./data. */
  dataDir: string;
  tokenSecret: string | undefined;
  tokenTtlSeconds: number;
  corsOrigin: string | undefined;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  typingThrottleMs: number;
  presence: PresenceSettings;
  plainWs: { pingIntervalMs: number; authTimeoutMs: number };
  rateLimit: { burst: number; perSecond: number; userFactor: number };
  searchRateLimit: { burst: number; perSecond: number; userFactor: number };
  signInRateLimit: { perUsername: RateBudget; perAddress: RateBudget };
  trustProxy: string | undefined;
  /** The folder of `.prisma` files (written for SQLite; derived for PostgreSQL). */
  schemaDir: string;
  /** The provider's migration folders. */
  migrationsDir: string;
  webDist: string;
  /** OPERATORS as ids; undefined: the first account created is the operator. */
  operators: string[] | undefined;
  /** Set when ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD are: the Socket.IO Admin UI's sign-in. */
  adminUi: { username: string; password: string } | undefined;
}

export interface RateBudget {
  burst: number;
  perSecond: number;
}

export interface PresenceSettings {
  graceMs: number;
  awayMs: number;
  windowMs: number;
  maxWindowMs: number;
  countWindowMs: number;
  /** Members in the first page (the join's answer), the page presence deltas keep up to date. */
  pageSize: number;
  heartbeatMs: number;
  timeoutMs: number;
  joinNoticeMaxOnline: number;
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/** Reads the environment once at start; a bad value stops the start with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = environment.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  if ((values.ADMIN_UI_USERNAME === undefined) !== (values.ADMIN_UI_PASSWORD === undefined)) {
    throw new Error('invalid configuration: ADMIN_UI_USERNAME and ADMIN_UI_PASSWORD are set together or not at all');
  }
  const database: DatabaseTarget = values.DATABASE_URL.startsWith('file:')
    ? { provider: 'sqlite', url: values.DATABASE_URL, file: path.resolve(values.DATABASE_URL.slice('file:'.length)) }
    : { provider: 'postgresql', url: values.DATABASE_URL };
  return {
    port: values.PORT,
    host: values.HOST,
    database,
    redisUrl: values.REDIS_URL,
    redisPrefix: values.REDIS_PREFIX,
    dataDir: database.provider === 'sqlite' ? path.dirname(database.file) : path.resolve('data'),
    tokenSecret: values.TOKEN_SECRET,
    tokenTtlSeconds: values.TOKEN_TTL_SECONDS,
    corsOrigin: values.CORS_ORIGIN,
    logLevel: values.LOG_LEVEL,
    typingThrottleMs: values.TYPING_THROTTLE_MS,
    presence: {
      graceMs: values.PRESENCE_GRACE_MS,
      awayMs: values.PRESENCE_AWAY_MS,
      windowMs: values.PRESENCE_WINDOW_MS,
      maxWindowMs: Math.max(values.PRESENCE_WINDOW_MS, values.PRESENCE_WINDOW_MAX_MS),
      countWindowMs: values.PRESENCE_COUNT_WINDOW_MS,
      pageSize: PresenceLimits.pageDefault,
      heartbeatMs: values.PRESENCE_HEARTBEAT_MS,
      timeoutMs: values.PRESENCE_NODE_TIMEOUT_MS,
      joinNoticeMaxOnline: values.JOIN_NOTICE_MAX_ONLINE,
    },
    plainWs: { pingIntervalMs: values.PLAIN_WS_PING_INTERVAL_MS, authTimeoutMs: values.PLAIN_WS_AUTH_TIMEOUT_MS },
    rateLimit: {
      burst: values.RATE_LIMIT_BURST,
      perSecond: values.RATE_LIMIT_PER_SECOND,
      userFactor: values.RATE_LIMIT_USER_FACTOR,
    },
    searchRateLimit: {
      burst: values.SEARCH_RATE_BURST,
      perSecond: values.SEARCH_RATE_PER_SECOND,
      userFactor: 1,
    },
    signInRateLimit: {
      perUsername: { burst: values.SIGN_IN_RATE_BURST, perSecond: values.SIGN_IN_RATE_PER_SECOND },
      perAddress: {
        burst: values.SIGN_IN_RATE_BURST * values.SIGN_IN_ADDRESS_FACTOR,
        perSecond: values.SIGN_IN_RATE_PER_SECOND * values.SIGN_IN_ADDRESS_FACTOR,
      },
    },
    trustProxy: values.TRUST_PROXY,
    schemaDir: path.join(projectRoot, 'prisma/schema'),
    migrationsDir: path.join(
      projectRoot,
      database.provider === 'sqlite' ? 'prisma/migrations' : 'prisma/postgres/migrations',
    ),
    webDist: path.join(projectRoot, 'apps/web/dist'),
    operators: values.OPERATORS?.split(',').map((userId) => userId.trim().toLowerCase()),
    adminUi:
      values.ADMIN_UI_USERNAME !== undefined && values.ADMIN_UI_PASSWORD !== undefined
        ? { username: values.ADMIN_UI_USERNAME, password: values.ADMIN_UI_PASSWORD }
        : undefined,
  };
}
