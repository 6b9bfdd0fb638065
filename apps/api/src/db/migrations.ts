import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatabaseTarget } from '../config.js';
import { openSchemaEngine, readSchemaFiles } from './schema-engine.js';

/**
 * Tables that hand-written migrations create and Prisma's schema cannot describe: a diff leaves
 * them alone instead of dropping them. SQLite's full-text index of messages (FTS5) and the
 * tables FTS5 keeps beside it; PostgreSQL has none (its index is a GIN index on "Message", and
 * the engine refuses names without a schema there).
 */
function filtersFor(provider: DatabaseTarget['provider']) {
  const externalTables =
    provider === 'sqlite' ? ['', '_config', '_data', '_docsize', '_idx'].map((suffix) => `MessageSearch${suffix}`) : [];
  return { externalTables, externalEnums: [] };
}
const lockfileName = 'migration_lock.toml';

export interface MigrationPaths {
  database: DatabaseTarget;
  schemaDir: string;
  migrationsDir: string;
  /** PostgreSQL only: the schema files as of the last migration, to diff from. */
  previousSchema?: [string, string][];
}

async function readMigrationsList(migrationsDir: string, provider: DatabaseTarget['provider']) {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrationDirectories = await Promise.all(
    names.map(async (name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok' as const, value: await readFile(path.join(migrationsDir, name, 'migration.sql'), 'utf8') },
      },
    })),
  );
  const lockContent = await readFile(path.join(migrationsDir, lockfileName), 'utf8').catch(
    () => `provider = "${provider}"\n`,
  );
  return {
    baseDir: migrationsDir,
    lockfile: { path: lockfileName, content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories,
  };
}

/** Applies the migrations not yet applied to the database; returns their names. */
export async function applyMigrations(paths: MigrationPaths): Promise<string[]> {
  if (paths.database.provider === 'sqlite') await mkdir(path.dirname(paths.database.file), { recursive: true });
  const { engine, explain, close } = await openSchemaEngine(paths.database, paths.schemaDir);
  try {
    const migrationsList = await readMigrationsList(paths.migrationsDir, paths.database.provider);
    const { appliedMigrationNames } = await engine.applyMigrations({
      migrationsList,
      filters: filtersFor(paths.database.provider),
    });
    return appliedMigrationNames;
  } catch (error) {
    throw new Error(`migration failed: ${explain(error)}`, { cause: error });
  } finally {
    await close();
  }
}

/**
 * Writes the next migration folder: the SQL that takes the existing migrations to the schema.
 * Returns its folder, or null when the schema matches the migrations already.
 */
export async function createMigration(paths: MigrationPaths, name: string): Promise<string | null> {
  const { engine, explain, close } = await openSchemaEngine(paths.database, paths.schemaDir);
  try {
    const migrationsList = await readMigrationsList(paths.migrationsDir, paths.database.provider);
    const files = await readSchemaFiles(paths.schemaDir, paths.database.provider);
    // On PostgreSQL the Wasm engine cannot read a shadow database back (it fails on the catalog's
    // "char" columns), so a first migration is diffed from nothing, and later ones need a previous
    // schema: see CONTRIBUTING.md.
    const from =
      paths.database.provider === 'sqlite'
        ? ({ tag: 'migrations', ...migrationsList } as const)
        : migrationsList.migrationDirectories.length === 0
          ? ({ tag: 'empty' } as const)
          : ({
              tag: 'schemaDatamodel',
              files: (paths.previousSchema ?? []).map(([path, content]) => ({ path, content })),
            } as const);
    if (from.tag === 'schemaDatamodel' && from.files.length === 0) {
      throw new Error('PostgreSQL migrations after the first are diffed from the previous schema: pass its folder');
    }
    const { stdout } = await engine.diff({
      from,
      to: { tag: 'schemaDatamodel', files: files.map(([path, content]) => ({ path, content })) },
      script: true,
      exitCode: null,
      filters: filtersFor(paths.database.provider),
    });
    const sql = stdout ?? '';
    if (!sql.trim() || sql.startsWith('-- This is an empty migration')) return null;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const folder = path.join(paths.migrationsDir, `${stamp}_${name}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'migration.sql'), sql);
    await writeFile(path.join(paths.migrationsDir, lockfileName), `provider = "${paths.database.provider}"\n`);
    return folder;
  } catch (error) {
    throw new Error(`could not create the migration: ${explain(error)}`, { cause: error });
  } finally {
    await close();
  }
}
