import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { MigrationPaths } from './migrations.js';

const childFile = new URL('./migrate.child.js', import.meta.url);

/** What the migrating process answers: the names it applied, or why it failed. */
export type MigrationReport = { applied: string[] } | { error: string };

/**
 * Applies pending migrations (see `applyMigrations`) in a process of its own, and returns their
 * names. Prisma's WebAssembly schema engine takes about 70 MB once loaded, and compiling it leaves
 * tens of MB more in the allocator of the threads that compiled it: a thread that ends gives back
 * its JavaScript heap but not those, a process that ends gives back everything. Where the child is
 * not compiled (the TypeScript sources run as they are, as in the test suites) they are applied
 * in this process.
 */
export async function applyMigrationsApart(paths: MigrationPaths): Promise<string[]> {
  const file = fileURLToPath(childFile);
  if (!existsSync(file)) return (await import('./migrations.js')).applyMigrations(paths);
  return new Promise((resolve, reject) => {
    // No flags of this process (a profiler, a preload): the child only migrates.
    const child = fork(file, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let report: MigrationReport | undefined;
    child.once('message', (message: MigrationReport) => (report = message));
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (report && 'applied' in report) resolve(report.applied);
      else if (report) reject(new Error(report.error));
      else reject(new Error(`migrations stopped with ${signal ?? `exit code ${code}`}`));
    });
    child.send(paths);
  });
}
