import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openSchemaEngine, readSchemaFiles } from './schema-engine.js';

const filters = { externalTables: [], externalEnums: [] };
const lockfileName = 'migration_lock.toml';

export interface MigrationPaths {
  /** The database file (a path, or a `file:` URL). */
  databaseFile: string;
  schemaDir: string;
  migrationsDir: string;
}

async function readMigrationsList(migrationsDir: string) {
  const entries = await readdir(migrationsDir, { withFileTypes: true }).catch(() => []);
  const names = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
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
    () => 'provider = "sqlite"\n',
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
  await mkdir(path.dirname(paths.databaseFile.replace(/^file:/, '')), { recursive: true });
  const { engine, explain, close } = await openSchemaEngine(paths.databaseFile, paths.schemaDir);
  try {
    const migrationsList = await readMigrationsList(paths.migrationsDir);
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters });
    return appliedMigrationNames;
  } catch (error) {
    throw new Error(`migration failed: ${explain(error)}`);
  } finally {
    await close();
  }
}

/**
 * Writes the next migration folder: the SQL that takes the existing migrations to the schema.
 * Returns its folder, or null when the schema matches the migrations already.
 */
export async function createMigration(paths: MigrationPaths, name: string): Promise<string | null> {
  const { engine, explain, close } = await openSchemaEngine(paths.databaseFile, paths.schemaDir);
  try {
    const migrationsList = await readMigrationsList(paths.migrationsDir);
    const files = await readSchemaFiles(paths.schemaDir);
    const { stdout } = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: files.map(([path, content]) => ({ path, content })) },
      script: true,
      exitCode: null,
      filters,
    });
    const sql = stdout ?? '';
    if (!sql.trim() || sql.startsWith('-- This is an empty migration')) return null;
    const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
    const folder = path.join(paths.migrationsDir, `${stamp}_${name}`);
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'migration.sql'), sql);
    await writeFile(path.join(paths.migrationsDir, lockfileName), 'provider = "sqlite"\n');
    return folder;
  } catch (error) {
    throw new Error(`could not create the migration: ${explain(error)}`);
  } finally {
    await close();
  }
}
