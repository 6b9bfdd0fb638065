import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsersRepository } from '../../apps/api/src/auth/users.repository.js';
import { ChatRepository } from '../../apps/api/src/chat/chat.repository.js';
import { MessageChangesRepository } from '../../apps/api/src/chat/message-changes.repository.js';
import { MessagesRepository } from '../../apps/api/src/chat/messages.repository.js';
import { ThreadsRepository } from '../../apps/api/src/chat/threads/threads.repository.js';
import { UnreadCounts } from '../../apps/api/src/chat/unread-counts.js';
import { DomainEvents, type ChangeCommitted } from '../../apps/api/src/common/domain-events.js';
import { loadConfig } from '../../apps/api/src/config.js';
import { ChangeLogRepository } from '../../apps/api/src/db/change-log.repository.js';
import { DatabaseService, postgresDriver } from '../../apps/api/src/db/database.service.js';
import { applyMigrations } from '../../apps/api/src/db/migrations.js';
import { UnitsOfWork } from '../../apps/api/src/db/units-of-work.js';
import { ListsRepository } from '../../apps/api/src/lists/lists.repository.js';
import { MetricsService } from '../../apps/api/src/metrics/metrics.service.js';
import { ScoreboardRepository } from '../../apps/api/src/scoreboard/scoreboard.repository.js';
import { SpacesRepository } from '../../apps/api/src/spaces/spaces.repository.js';
import { freshPostgresDatabase } from './services.js';

/** One node's data layer: the real services and repositories on one database, without the server around them. */
export interface DataLayerNode {
  database: DatabaseService;
  /** Where the node publishes its commits. */
  events: DomainEvents;
  units: UnitsOfWork;
  changeLog: ChangeLogRepository;
  users: UsersRepository;
  spaces: SpacesRepository;
  chat: ChatRepository;
  unread: UnreadCounts;
  messages: MessagesRepository;
  messageChanges: MessageChangesRepository;
  threads: ThreadsRepository;
  boards: ScoreboardRepository;
  lists: ListsRepository;
  /** Every change this node published after its commits. */
  published: ChangeCommitted[];
  close(): Promise<void>;
}

/** A migrated database and a way to open nodes on it (two nodes: two writers). */
export interface DataLayerDatabase {
  provider: 'sqlite' | 'postgresql';
  node(): Promise<DataLayerNode>;
  drop(): Promise<void>;
}

async function migrated(url: string): Promise<DataLayerDatabase> {
  const config = loadConfig({ ...process.env, DATABASE_URL: url, LOG_LEVEL: 'error' });
  await applyMigrations({
    database: config.database,
    schemaDir: config.schemaDir,
    migrationsDir: config.migrationsDir,
  });
  const nodes: DataLayerNode[] = [];
  return {
    provider: config.database.provider,
    node: async () => {
      const events = new DomainEvents();
      const published: ChangeCommitted[] = [];
      events.subscribe('change.committed', (change) => published.push(change));
      const database = new DatabaseService(config, events, new MetricsService(), await postgresDriver(config));
      database.onModuleInit();
      const changeLog = new ChangeLogRepository(database);
      const messages = new MessagesRepository(database, changeLog);
      const unread = new UnreadCounts(database);
      const node: DataLayerNode = {
        database,
        events,
        units: new UnitsOfWork(database),
        changeLog,
        users: new UsersRepository(database),
        spaces: new SpacesRepository(database, changeLog),
        chat: new ChatRepository(database, changeLog, unread),
        unread,
        messages,
        messageChanges: new MessageChangesRepository(messages, changeLog),
        threads: new ThreadsRepository(messages),
        boards: new ScoreboardRepository(database, changeLog),
        lists: new ListsRepository(database, changeLog),
        published,
        close: () => database.onModuleDestroy(),
      };
      nodes.push(node);
      return node;
    },
    drop: async () => {
      await Promise.all(nodes.splice(0).map((node) => node.close()));
    },
  };
}

/**
 * A fresh, migrated SQLite file. One process is SQLite's only writer (its writes queue in one
 * `DatabaseService`), so every `node()` is the same node here.
 */
export async function sqliteDataLayer(): Promise<DataLayerDatabase> {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-data-'));
  const database = await migrated(`file:${path.join(dir, 'tandem.db')}`);
  let only: Promise<DataLayerNode> | undefined;
  return {
    ...database,
    node: () => (only ??= database.node()),
    drop: async () => {
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A fresh, migrated database on the machine's PostgreSQL; `port`: reach it through that port
 * instead (a proxy); `icuLocale`: a database whose text compares in that locale's order.
 */
export async function postgresDataLayer(
  options: { port?: number; icuLocale?: string } = {},
): Promise<DataLayerDatabase> {
  const fresh = await freshPostgresDatabase(options.icuLocale);
  const url = new URL(fresh.url);
  if (options.port !== undefined) url.port = String(options.port);
  const database = await migrated(url.toString());
  return {
    ...database,
    drop: async () => {
      await database.drop();
      await fresh.drop();
    },
  };
}
