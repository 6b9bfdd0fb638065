// Writes prisma/postgres/schema/: the same models as prisma/schema/, for PostgreSQL, with the client
// generated into apps/api/src/generated/prisma-postgres. The model files stay the single source.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, '../schema');
const target = path.join(here, 'schema');

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
for (const name of readdirSync(source).filter((file) => file.endsWith('.prisma'))) {
  const text = readFileSync(path.join(source, name), 'utf8')
    .replace(/provider\s*=\s*"sqlite"/, 'provider = "postgresql"')
    .replace(
      /output(\s*)=\s*"..\/..\/apps\/api\/src\/generated\/prisma"/,
      'output$1= "../../../apps/api/src/generated/prisma-postgres"',
    );
  writeFileSync(
    path.join(target, name),
    `// Derived from prisma/schema/${name} by derive-schema.mjs: do not edit.\n${text}`,
  );
}
