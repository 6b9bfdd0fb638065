import { applyMigrations, type MigrationPaths } from './migrations.js';
import type { MigrationReport } from './migrate-apart.js';

// See `applyMigrationsApart`: this process ends once the migrations are applied, and its memory with it.
process.once('message', (paths: MigrationPaths) => {
  const answer = (report: MigrationReport) => process.send?.(report, () => process.disconnect());
  applyMigrations(paths).then(
    (applied) => answer({ applied }),
    (error: unknown) => answer({ error: error instanceof Error ? error.message : String(error) }),
  );
});
