import { randomUUID } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaBetterSqlite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import {
  bindMigrationAwareSqlAdapterFactory,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
} from '@prisma/driver-adapter-utils';
import * as bg from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { DatabaseTarget } from '../config.js';

/**
 * Prisma's schema engine, compiled to WebAssembly, driven through a driver adapter. The CLI's
 * native engine cannot be downloaded here, so migrations are applied (and created) with this.
 */
export type SchemaEngine = bg.SchemaEngine;

let wasmLoaded: Promise<void> | undefined;

/** The part of the WebAssembly global used here (Node's typings for it are DOM-only). */
interface WasmApi {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: Record<string, unknown> }>;
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** The Wasm module keeps global state: instantiate it once per process. */
function loadWasm(): Promise<void> {
  wasmLoaded ??= (async () => {
    const require = createRequire(import.meta.url);
    const wasmPath = path.join(
      path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg')),
      'schema_engine_bg.wasm',
    );
    const module = await wasm.compile(await readFile(wasmPath));
    const instance = await wasm.instantiate(module, { './schema_engine_bg.js': withTimersUnref(bg) });
    bg.__wbg_set_wasm(instance.exports);
    const start = instance.exports.__wbindgen_start;
    if (typeof start === 'function') (start as () => void)();
  })();
  return wasmLoaded;
}

/**
 * The engine never clears its timers (a query's timeout outlives the query): unref'd, they do not
 * keep a process open for seconds after its migrations, once its connections are closed.
 */
function withTimersUnref(imports: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(imports).map(([name, value]) => {
      if (!name.startsWith('__wbg_setTimeout_') || typeof value !== 'function') return [name, value];
      const setTimer = value as (...args: unknown[]) => unknown;
      return [name, (...args: unknown[]) => (setTimer(...args) as NodeJS.Timeout).unref()];
    }),
  );
}

/**
 * The engine reads a partial index's WHERE clause from SQLite with
 * `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = "<index>"`: a double-quoted
 * string, which SQLite built without double-quoted string literals (better-sqlite3 is) reads as a
 * column ("column not found"). That query is sent with the name bound as a parameter instead.
 */
const indexSqlQuery = /^(SELECT sql FROM sqlite_master WHERE type = 'index' AND name = )"((?:[^"]|"")*)";?$/;
function withIndexNameBound(adapter: SqlDriverAdapter): SqlDriverAdapter {
  const queryRaw: SqlDriverAdapter['queryRaw'] = (query) => {
    const [, select, name] = indexSqlQuery.exec(query.sql.trim()) ?? [];
    if (select === undefined || name === undefined) return adapter.queryRaw(query);
    const args = [name.replaceAll('""', '"')];
    return adapter.queryRaw({ sql: `${select}?`, args, argTypes: [{ scalarType: 'string', arity: 'scalar' }] });
  };
  return Object.assign(Object.create(adapter) as SqlDriverAdapter, { queryRaw });
}

/**
 * better-sqlite3 refuses multi-statement SQL in a prepared statement, and the engine replays
 * whole migration files on its shadow database that way: send those through `executeScript`.
 */
function withScriptAwareShadowDb(
  factory: SqlMigrationAwareDriverAdapterFactory,
  track: (adapter: SqlDriverAdapter) => SqlDriverAdapter,
): SqlMigrationAwareDriverAdapterFactory {
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => withIndexNameBound(track(await factory.connect())),
    connectToShadowDb: async () => {
      const shadow = withIndexNameBound(track(await factory.connectToShadowDb()));
      const executeRaw: SqlDriverAdapter['executeRaw'] = (query) =>
        query.args.length === 0 && query.sql.trim().replace(/;\s*$/, '').includes(';')
          ? shadow.executeScript(query.sql).then(() => 0)
          : shadow.executeRaw(query);
      return Object.assign(Object.create(shadow) as SqlDriverAdapter, { executeRaw });
    },
  };
}

/**
 * Every `.prisma` file of the schema folder, as `[path, text]` pairs, for the given provider: the
 * models are written once; only the datasource's provider differs.
 */
export async function readSchemaFiles(
  schemaDir: string,
  provider: DatabaseTarget['provider'],
): Promise<[string, string][]> {
  const names = (await readdir(schemaDir)).filter((name) => name.endsWith('.prisma')).sort();
  return Promise.all(
    names.map(async (name): Promise<[string, string]> => {
      const file = path.join(schemaDir, name);
      const text = await readFile(file, 'utf8');
      return [file, text.replace(/provider\s*=\s*"sqlite"/, `provider = "${provider}"`)];
    }),
  );
}

function adapterFactory(
  database: DatabaseTarget,
  track: (adapter: SqlDriverAdapter) => SqlDriverAdapter,
): SqlMigrationAwareDriverAdapterFactory {
  if (database.provider === 'postgresql') {
    const url = new URL(database.url);
    const connection = {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username) || undefined,
      password: decodeURIComponent(url.password) || undefined,
      database: url.pathname.slice(1) || undefined,
    };
    const factory = new PrismaPg(connection);
    return {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => track(await factory.connect()),
      // The adapter's own shadow database is dropped while its pool is still open, which fails:
      // close the pool first, then drop.
      connectToShadowDb: async () => {
        const admin = await factory.connect();
        const name = `tandem_shadow_${randomUUID().replaceAll('-', '')}`;
        await admin.executeScript(`CREATE DATABASE "${name}"`);
        const shadow = await new PrismaPg({ ...connection, database: name }).connect();
        const dispose = async () => {
          await shadow.dispose();
          await admin.executeScript(`DROP DATABASE IF EXISTS "${name}"`);
          await admin.dispose();
        };
        return track(Object.assign(Object.create(shadow) as SqlDriverAdapter, { dispose }));
      },
    };
  }
  return withScriptAwareShadowDb(new PrismaBetterSqlite3({ url: database.file }), track);
}

export async function openSchemaEngine(
  database: DatabaseTarget,
  schemaDir: string,
): Promise<{ engine: SchemaEngine; explain: (error: unknown) => string; close: () => Promise<void> }> {
  await loadWasm();
  // The engine does not close its connections: they are closed here, so the server can take the file.
  const opened: SqlDriverAdapter[] = [];
  // Both the engine and `close` may dispose an adapter: the second call must do nothing.
  const track = (adapter: SqlDriverAdapter): SqlDriverAdapter => {
    let disposed: Promise<void> | undefined;
    const once = Object.assign(Object.create(adapter) as SqlDriverAdapter, {
      dispose: () => (disposed ??= adapter.dispose()),
    });
    opened.push(once);
    return once;
  };
  const factory = bindMigrationAwareSqlAdapterFactory(adapterFactory(database, track));
  const datamodels = await readSchemaFiles(schemaDir, database.provider);
  const engine = await bg.SchemaEngine.new({ datamodels }, () => {}, factory);
  const explain = (error: unknown): string => {
    const message = error instanceof Error ? error.message : String(error);
    const id = /External error id#(\d+)/.exec(message)?.[1];
    if (!id) return message;
    return `${message}: ${JSON.stringify(factory.errorRegistry.consumeError(Number(id)))}`;
  };
  const close = async () => {
    engine.free();
    await Promise.all(opened.splice(0).map((adapter) => adapter.dispose()));
  };
  return { engine, explain, close };
}
