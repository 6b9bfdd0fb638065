import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { MigrationPaths } from './migrations.js';

const workerFile = new URL('./migrate.worker.js', import.meta.url);

/**
 * Applies pending migrations (see `applyMigrations`) on a thread of its own, and returns their
 * names: Prisma's WebAssembly schema engine takes about 70 MB once loaded, which a process never
 * gives back, and the thread takes it away when it ends. Where the worker is not compiled (the
 * TypeScript sources run as they are, as in the test suites) they are applied on this thread.
 */
export async function applyMigrationsApart(paths: MigrationPaths): Promise<string[]> {
  if (!existsSync(fileURLToPath(workerFile))) return (await import('./migrations.js')).applyMigrations(paths);
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerFile, { workerData: paths });
    let applied: string[] | undefined;
    worker.once('message', (names: string[]) => (applied = names));
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (applied) resolve(applied);
      else reject(new Error(`migrations stopped with exit code ${code}`));
    });
  });
}
