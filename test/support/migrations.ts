import { cpSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A copy (in `into`) of a migrations folder as it was before `name` (and every later one) was written. */
export function migrationsBefore(migrationsDir: string, name: string, into: string): string {
  const copy = path.join(into, `before-${name}`);
  cpSync(migrationsDir, copy, { recursive: true });
  const names = readdirSync(copy).filter((entry) => /^\d{14}_/.test(entry));
  const cut = names.findIndex((entry) => entry.endsWith(`_${name}`));
  if (cut < 0) throw new Error(`no migration named ${name}`);
  for (const later of names.sort().slice(cut)) rmSync(path.join(copy, later), { recursive: true });
  return copy;
}

/** A copy (in `into`) of a schema folder with one model more, `Probe`: a change a new migration must create. */
export function schemaWithProbe(schemaDir: string, into: string): string {
  const copy = path.join(into, 'schema-with-probe');
  cpSync(schemaDir, copy, { recursive: true });
  writeFileSync(path.join(copy, 'probe.prisma'), 'model Probe {\n  id String @id\n}\n');
  return copy;
}

// Messages stored before `Message.countedUpTo` (the `unread_counted` migration), in SQL both
// databases run: two rooms; a system message and a reply, which do not count; the rest in seq order.
const seed = `
  INSERT INTO "User" ("id", "name") VALUES ('u1', 'ann'), ('u2', 'bob');
  INSERT INTO "Room" ("id", "name", "ownerId") VALUES ('r1', 'one', 'u1'), ('r2', 'two', 'u2');
  INSERT INTO "Message" ("id", "roomId", "seq", "authorId", "text", "kind", "action", "replyToId") VALUES
    ('m1', 'r1', 1, 'u1', 'welcome', 'system', 'welcome', NULL),
    ('m2', 'r1', 2, 'u2', 'hi', 'user', NULL, NULL),
    ('m4', 'r1', 4, 'u1', 'a reply', 'user', NULL, 'm2'),
    ('m3', 'r1', 3, 'u1', 'hello', 'user', NULL, NULL),
    ('m6', 'r1', 6, 'u2', 'later', 'user', NULL, NULL),
    ('m7', 'r2', 1, 'u2', 'elsewhere', 'user', NULL, NULL);
`;

const messagesQuery = `SELECT "id", "countedUpTo" FROM "Message" WHERE "roomId" IN ('r1', 'r2') ORDER BY "id"`;
const messages = [
  { id: 'm1', countedUpTo: null },
  { id: 'm2', countedUpTo: 1 },
  { id: 'm3', countedUpTo: 2 },
  { id: 'm4', countedUpTo: null },
  { id: 'm6', countedUpTo: 3 },
  { id: 'm7', countedUpTo: 1 },
];

const countersQuery = `SELECT "key", "seq" FROM "ChangeStream" WHERE "key" IN ('chat:r1#counted', 'chat:r2#counted') ORDER BY "key"`;
const counters = [
  { key: 'chat:r1#counted', seq: 3 },
  { key: 'chat:r2#counted', seq: 1 },
];

/** The `unread_counted` migration's check: `seed` before it, then each query's rows after it. */
export const countedMigration = { seed, messagesQuery, messages, countersQuery, counters };

// Boards stored before `Board.playerCount` (the `board_player_count` migration): removed players
// do not count, and a board without players counts none.
const boardsSeed = `
  INSERT INTO "User" ("id", "name") VALUES ('u1', 'ann');
  INSERT INTO "Board" ("id", "name", "ownerId") VALUES ('b1', 'one', 'u1'), ('b2', 'two', 'u1');
  INSERT INTO "Player" ("id", "boardId", "name", "removedAt") VALUES
    ('p1', 'b1', 'a', NULL),
    ('p2', 'b1', 'b', NULL),
    ('p3', 'b1', 'c', '2026-12-07T12:00:00.000+00:00');
`;

/** The `board_player_count` migration's check: `seed` before it, then each board's count after it. */
export const playerCountMigration = {
  seed: boardsSeed,
  query: `SELECT "id", "playerCount" FROM "Board" WHERE "id" IN ('b1', 'b2') ORDER BY "id"`,
  boards: [
    { id: 'b1', playerCount: 2 },
    { id: 'b2', playerCount: 0 },
  ],
};

// Members and messages stored before the counters by author (the `own_counted` migration), in SQL
// both databases run: the messages that count by each author (a system message, a reply and a
// deleted one among them), and markers before, between and after them.
const ownSeed = `
  INSERT INTO "User" ("id", "name") VALUES ('u1', 'ann'), ('u2', 'bob'), ('u3', 'cy');
  INSERT INTO "Room" ("id", "name", "ownerId") VALUES ('r1', 'one', 'u1'), ('r2', 'two', 'u2');
  INSERT INTO "Membership" ("roomId", "userId", "readSeq") VALUES
    ('r1', 'u1', 3), ('r1', 'u2', 0), ('r1', 'u3', 6), ('r2', 'u2', 1);
  INSERT INTO "Message" ("id", "roomId", "seq", "authorId", "text", "kind", "action", "replyToId", "deletedAt", "countedUpTo") VALUES
    ('m1', 'r1', 1, 'u1', 'welcome', 'system', 'welcome', NULL, NULL, NULL),
    ('m2', 'r1', 2, 'u2', 'hi', 'user', NULL, NULL, NULL, 1),
    ('m3', 'r1', 3, 'u1', 'hello', 'user', NULL, NULL, NULL, 2),
    ('m4', 'r1', 4, 'u1', 'a reply', 'user', NULL, 'm2', NULL, NULL),
    ('m5', 'r1', 5, 'u1', '', 'user', NULL, NULL, CURRENT_TIMESTAMP, 3),
    ('m6', 'r1', 6, 'u2', 'later', 'user', NULL, NULL, NULL, 4),
    ('m7', 'r2', 1, 'u2', 'elsewhere', 'user', NULL, NULL, NULL, 1);
`;

const ownCountersQuery = `SELECT "key", "seq" FROM "ChangeStream" WHERE "key" LIKE 'chat:r_#counted:%' ORDER BY "key"`;
const ownCounters = [
  { key: 'chat:r1#counted:u1', seq: 2 },
  { key: 'chat:r1#counted:u2', seq: 2 },
  { key: 'chat:r2#counted:u2', seq: 1 },
];

const membersQuery = `SELECT "roomId", "userId", "ownCountedAtMarker" FROM "Membership" ORDER BY "roomId", "userId"`;
const members = [
  { roomId: 'r1', userId: 'u1', ownCountedAtMarker: 1 },
  { roomId: 'r1', userId: 'u2', ownCountedAtMarker: 0 },
  { roomId: 'r1', userId: 'u3', ownCountedAtMarker: 0 },
  { roomId: 'r2', userId: 'u2', ownCountedAtMarker: 1 },
];

/** The `own_counted` migration's check: `seed` before it, then each query's rows after it. */
export const ownCountedMigration = {
  seed: ownSeed,
  countersQuery: ownCountersQuery,
  counters: ownCounters,
  membersQuery,
  members,
};
