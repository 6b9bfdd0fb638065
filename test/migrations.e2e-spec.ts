import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { applyMigrations, createMigration } from '../apps/api/src/db/migrations.js';
import {
  countedMigration,
  migrationsBefore,
  ownCountedMigration,
  playerCountMigration,
  schemaWithProbe,
} from './support/migrations.js';

const root = path.resolve(import.meta.dirname, '..');
const schemaDir = path.join(root, 'prisma/schema');
const migrationsDir = path.join(root, 'prisma/migrations');

describe('SQLite migrations', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-migrations-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const migrationsUpTo = (name: string) => migrationsBefore(migrationsDir, name, dir);

  it('keeps the owner of every room when Room.createdById becomes ownerId', async () => {
    const file = path.join(dir, 'owner.db');
    const database = { provider: 'sqlite' as const, url: `file:${file}`, file };
    await applyMigrations({ database, schemaDir, migrationsDir: migrationsUpTo('room_owner_id') });
    const before = new Database(file);
    before.prepare(`INSERT INTO User (id, name) VALUES ('u1', 'ann')`).run();
    before.prepare(`INSERT INTO Room (id, name, createdById) VALUES ('r1', 'kept', 'u1')`).run();
    before.close();

    const applied = await applyMigrations({ database, schemaDir, migrationsDir });
    expect(applied.some((name) => name.endsWith('_room_owner_id'))).toBe(true);
    const after = new Database(file, { readonly: true });
    expect(after.prepare(`SELECT id, name, ownerId FROM Room WHERE id = 'r1'`).get()).toEqual({
      id: 'r1',
      name: 'kept',
      ownerId: 'u1',
    });
    expect(after.prepare('PRAGMA foreign_key_list(Room)').all()).toMatchObject([{ table: 'User', from: 'ownerId' }]);
    expect(after.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
    after.close();
  });

  it('names the message of every change logged before Change.messageId', async () => {
    const file = path.join(dir, 'change-message.db');
    const database = { provider: 'sqlite' as const, url: `file:${file}`, file };
    await applyMigrations({ database, schemaDir, migrationsDir: migrationsUpTo('change_message_id') });
    const before = new Database(file);
    before.prepare(`INSERT INTO ChangeStream (key, seq) VALUES ('chat:r1', 2)`).run();
    const insert = before.prepare('INSERT INTO Change (streamKey, seq, event, data) VALUES (?, ?, ?, ?)');
    insert.run('chat:r1', 1, 'message:updated', JSON.stringify({ seq: 1, message: { id: 'm1', text: 'hi' } }));
    insert.run('chat:r1', 2, 'room:updated', JSON.stringify({ seq: 2, room: { id: 'r1' } }));
    before.close();

    await applyMigrations({ database, schemaDir, migrationsDir });
    const after = new Database(file, { readonly: true });
    expect(after.prepare(`SELECT seq, messageId FROM Change WHERE streamKey = 'chat:r1' ORDER BY seq`).all()).toEqual([
      { seq: 1, messageId: 'm1' },
      { seq: 2, messageId: null },
    ]);
    after.close();
  });

  /** A database at the migration before `name`, with `seed` run on it, then migrated to the last; `check` reads it. */
  async function migratedFrom(name: string, seed: string, check: (after: Database.Database) => void) {
    const file = path.join(dir, `${name}.db`);
    const database = { provider: 'sqlite' as const, url: `file:${file}`, file };
    await applyMigrations({ database, schemaDir, migrationsDir: migrationsUpTo(name) });
    const before = new Database(file);
    before.exec(seed);
    before.close();

    await applyMigrations({ database, schemaDir, migrationsDir });
    const after = new Database(file, { readonly: true });
    try {
      check(after);
    } finally {
      after.close();
    }
  }

  it("numbers the messages that count as unread, and each room's counter, when Message.countedUpTo comes", async () => {
    await migratedFrom('unread_counted', countedMigration.seed, (after) => {
      expect(after.prepare(countedMigration.messagesQuery).all()).toEqual(countedMigration.messages);
      expect(after.prepare(countedMigration.countersQuery).all()).toEqual(countedMigration.counters);
    });
  });

  it("counts every board's players not removed when Board.playerCount comes", async () => {
    await migratedFrom('board_player_count', playerCountMigration.seed, (after) => {
      expect(after.prepare(playerCountMigration.query).all()).toEqual(playerCountMigration.boards);
    });
  });

  it("counts each author's messages that count, and each member's own up to their marker, when the counters by author come", async () => {
    await migratedFrom('own_counted', ownCountedMigration.seed, (after) => {
      expect(after.prepare(ownCountedMigration.countersQuery).all()).toEqual(ownCountedMigration.counters);
      expect(after.prepare(ownCountedMigration.membersQuery).all()).toEqual(ownCountedMigration.members);
      const index = `SELECT name FROM sqlite_master WHERE name = 'Message_counted_author_idx'`;
      expect(after.prepare(index).all()).toEqual([]);
    });
  });

  // As `npm run db:migration:create` does: the migrations replayed on an in-memory database (its
  // partial indexes read back too), diffed with the schema.
  it('creates no migration from the schema the migrations already make, and one for a changed schema', async () => {
    const copy = path.join(dir, 'create');
    cpSync(migrationsDir, copy, { recursive: true });
    const database = { provider: 'sqlite' as const, url: 'file::memory:', file: ':memory:' };
    expect(await createMigration({ database, schemaDir, migrationsDir: copy }, 'unchanged')).toBeNull();
    expect(readdirSync(copy)).toEqual(readdirSync(migrationsDir));

    const folder = await createMigration(
      { database, schemaDir: schemaWithProbe(schemaDir, dir), migrationsDir: copy },
      'probe',
    );
    expect(folder).toMatch(/_probe$/);
    const sql = readFileSync(path.join(folder ?? '', 'migration.sql'), 'utf8');
    expect(sql).toContain('CREATE TABLE "Probe"');
    expect(sql).not.toMatch(/DROP|Message_deleted_idx/);
  });
});
