import { loadConfig } from '../config.js';
import { applyMigrations, createMigration } from './migrations.js';
import { readSchemaFiles } from './schema-engine.js';

// `npm run db:migrate` applies pending migrations; `npm run db:migration:create -- <name>`
// writes the next one from prisma/schema/ (with a postgres:// DATABASE_URL, the PostgreSQL one:
// `-- <name> <folder of the schema as of the previous migration>`).
const [command = 'apply', name] = process.argv.slice(2);
const config = loadConfig();
const paths = { database: config.database, schemaDir: config.schemaDir, migrationsDir: config.migrationsDir };

if (command === 'apply') {
  const applied = await applyMigrations(paths);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
} else if (command === 'create') {
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error('usage: npm run db:migration:create -- <name in snake_case>');
    process.exit(1);
  }
  // Diffing replays the existing migrations on a shadow database: in memory for SQLite, a
  // temporary database on the PostgreSQL server of DATABASE_URL otherwise.
  const database = config.database.provider === 'sqlite' ? { ...config.database, file: ':memory:' } : config.database;
  const previousSchemaDir = process.argv[4];
  const previousSchema = previousSchemaDir
    ? await readSchemaFiles(previousSchemaDir, config.database.provider)
    : undefined;
  const folder = await createMigration({ ...paths, database, previousSchema }, name);
  console.log(folder ? `wrote ${folder}` : 'the schema matches the migrations: nothing to write');
} else {
  console.error(`unknown command "${command}": use apply or create <name>`);
  process.exit(1);
}
