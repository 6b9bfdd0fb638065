import { loadConfig } from '../config.js';
import { applyMigrations, createMigration } from './migrations.js';

// `npm run db:migrate` applies pending migrations; `npm run db:migration:create -- <name>`
// writes the next one from prisma/schema.prisma.
const [command = 'apply', name] = process.argv.slice(2);
const config = loadConfig();
const paths = { databaseFile: config.databaseFile, schemaDir: config.schemaDir, migrationsDir: config.migrationsDir };

if (command === 'apply') {
  const applied = await applyMigrations(paths);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} else if (command === 'create') {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration:create -- <name in snake_case>');
    process.exit(1);
  }
  // Diffing replays the existing migrations on an in-memory shadow database.
  const folder = await createMigration({ ...paths, databaseFile: ':memory:' }, name);
  console.log(folder ? `wrote ${folder}` : 'the schema matches the migrations: nothing to write');
} else {
  console.error(`unknown command "${command}": use apply or create <name>`);
  process.exit(1);
}
