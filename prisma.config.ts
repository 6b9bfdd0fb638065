import { defineConfig } from 'prisma/config';

// Used by the Prisma CLI for `prisma generate`. Migrations are applied offline by
// `npm run db:migrate` (apps/api/src/db/migrate.cli.ts) and on every `npm start`.
export default defineConfig({
  schema: 'prisma/schema',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'file:./data/tandem.db' },
});
