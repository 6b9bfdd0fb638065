import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from '@jest/globals';
import pg from 'pg';
import { applyMigrations, createMigration } from '../../apps/api/src/db/migrations.js';
import { readSchemaFiles } from '../../apps/api/src/db/schema-engine.js';
import {
  countedMigration,
  migrationsBefore,
  ownCountedMigration,
  playerCountMigration,
  schemaWithProbe,
} from '../support/migrations.js';
import { describeWithServices, freshPostgresDatabase, postgresAdminUrl } from '../support/services.js';

const root = path.resolve(import.meta.dirname, '../..');
const schemaDir = path.join(root, 'prisma/schema');
const migrationsDir = path.join(root, 'prisma/postgres/migrations');

const describeWhenServicesRun = await describeWithServices('the PostgreSQL migrations suite');

// Migrations that fill columns from the rows already there, on a database that holds such rows.
describeWhenServicesRun('PostgreSQL migrations', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-pg-migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh database at the migration before `name`, with `seed` run on it, then migrated to the last. */
  async function migratedFrom(name: string, seed: string, check: (client: pg.Client) => Promise<void>) {
    const fresh = await freshPostgresDatabase();
    const database = { provider: 'postgresql' as const, url: fresh.url };
    const client = new pg.Client({ connectionString: fresh.url });
    try {
      await applyMigrations({ database, schemaDir, migrationsDir: migrationsBefore(migrationsDir, name, dir) });
      await client.connect();
      await client.query(seed);
      const applied = await applyMigrations({ database, schemaDir, migrationsDir });
      expect(applied.some((applied) => applied.endsWith(`_${name}`))).toBe(true);
      await check(client);
    } finally {
      await client.end();
      await fresh.drop();
    }
  }

  it('names the message of every change logged before Change.messageId', async () => {
    const seed = `
      INSERT INTO "ChangeStream" ("key", "seq") VALUES ('chat:r1', 3);
      INSERT INTO "Change" ("streamKey", "seq", "event", "data") VALUES
        ('chat:r1', 1, 'message:created', '{"seq":1,"message":{"id":"m1","text":"hi"}}'),
        ('chat:r1', 2, 'message:deleted', '{"seq":2,"message":{"id":"m1","text":""}}'),
        ('chat:r1', 3, 'room:updated', '{"seq":3,"room":{"id":"r1"}}');
    `;
    await migratedFrom('change_message_id', seed, async (client) => {
      const { rows } = await client.query(
        `SELECT "seq", "messageId" FROM "Change" WHERE "streamKey" = 'chat:r1' ORDER BY "seq"`,
      );
      expect(rows).toEqual([
        { seq: 1, messageId: 'm1' },
        { seq: 2, messageId: 'm1' },
        { seq: 3, messageId: null },
      ]);
    });
  });

  it("numbers the messages that count as unread, and each room's counter, when Message.countedUpTo comes", async () => {
    await migratedFrom('unread_counted', countedMigration.seed, async (client) => {
      expect((await client.query(countedMigration.messagesQuery)).rows).toEqual(countedMigration.messages);
      expect((await client.query(countedMigration.countersQuery)).rows).toEqual(countedMigration.counters);
    });
  });

  it("counts every board's players not removed when Board.playerCount comes", async () => {
    await migratedFrom('board_player_count', playerCountMigration.seed, async (client) => {
      expect((await client.query(playerCountMigration.query)).rows).toEqual(playerCountMigration.boards);
    });
  });
  it("counts each author's messages that count, and each member's own up to their marker, when the counters by author come", async () => {
    await migratedFrom('own_counted', ownCountedMigration.seed, async (client) => {
      expect((await client.query(ownCountedMigration.countersQuery)).rows).toEqual(ownCountedMigration.counters);
      expect((await client.query(ownCountedMigration.membersQuery)).rows).toEqual(ownCountedMigration.members);
      const index = await client.query(`SELECT 1 FROM pg_indexes WHERE indexname = 'Message_counted_author_idx'`);
      expect(index.rows).toEqual([]);
    });
  });

  // As `migrate.cli.js create <name> <previous schema folder>` does on PostgreSQL.
  it('creates no migration from an unchanged schema, and one for a changed schema', async () => {
    const copy = path.join(dir, 'create');
    cpSync(migrationsDir, copy, { recursive: true });
    const database = { provider: 'postgresql' as const, url: postgresAdminUrl };
    const previousSchema = await readSchemaFiles(schemaDir, 'postgresql');
    expect(await createMigration({ database, schemaDir, migrationsDir: copy, previousSchema }, 'unchanged')).toBeNull();
    expect(readdirSync(copy)).toEqual(readdirSync(migrationsDir));

    const changed = { database, schemaDir: schemaWithProbe(schemaDir, dir), migrationsDir: copy, previousSchema };
    const folder = await createMigration(changed, 'probe');
    expect(folder).toMatch(/_probe$/);
    const sql = readFileSync(path.join(folder ?? '', 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "Probe"');
    expect(sql).not.toMatch(/DROP|Message_deleted_idx/);
  });
});
