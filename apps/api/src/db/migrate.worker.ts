import { parentPort, workerData } from 'node:worker_threads';
import { applyMigrations, type MigrationPaths } from './migrations.js';

// See `applyMigrationsApart`: the thread ends once the migrations are applied, and its memory with it.
parentPort?.postMessage(await applyMigrations(workerData as MigrationPaths));
