import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { databaseUrl, dropDatabase, freshDatabase, type BenchDatabase } from './database.js';
import { pinned } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository's root: this file runs from bench/dist. */
export const projectRoot = path.resolve(here, '../..');
export const tandemMain = path.join(projectRoot, 'apps/api/dist/main.js');
export const baselineScript = path.resolve(projectRoot, '../shared/baseline/socketio-chat.mjs');

export type ServerKind = 'tandem' | 'baseline';

export interface ServerStats {
  atMs: number;
  rssBytes: number;
  heapUsedBytes: number;
  externalBytes: number;
  cpuUserUs: number;
  cpuSystemUs: number;
  delayP50Ms: number;
  delayP99Ms: number;
  delayMaxMs: number;
  delayMeanMs: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

export interface StartOptions {
  /** Write a V8 CPU profile of the server into this folder (`--cpu-prof`). */
  profileDir?: string;
  /** Run Tandem on a fresh database on this PostgreSQL server instead of a SQLite file. */
  postgresUrl?: string;
  /** Tandem only: start on this existing database (a SQLite file's folder keeps the token secret), as a restart does. */
  database?: BenchDatabase;
  /** A command the server runs under (e.g. `valgrind …`), node flags and settings for it, and how long it may take to start. */
  wrapper?: { argv: string[]; nodeArgs: string[]; env: Record<string, string>; startLimitMs: number };
}

export interface ServerHandle {
  kind: ServerKind;
  url: string;
  pid: number;
  /** Tandem's database (absent for the baseline). */
  database?: BenchDatabase;
  /** Memory, CPU time and event-loop delay, read through the side channel (not the sockets under test). */
  stats(options?: { gc?: boolean; resetDelay?: boolean }): Promise<ServerStats>;
  /** Starts a CPU profile of the server, or stops it and writes it into `file`. */
  profile(action: 'start' | 'stop', file?: string): Promise<void>;
  /** Writes a heap snapshot of the server into `file`. */
  heapSnapshot(file: string): Promise<void>;
  /** Stops the server (SIGTERM, then SIGKILL after the limit); resolves once it has exited. */
  stop(): Promise<void>;
  /** Kills the server at once (SIGKILL), as a crash would; resolves once it has exited. */
  kill(): Promise<void>;
  /** Removes the server's temporary folder and database (after any check of its database). */
  cleanup(): Promise<void>;
}

/** Environment Tandem runs with in every benchmark. */
export function tandemEnvironment(port: number, database: BenchDatabase): Record<string, string> {
  return {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl(database),
    LOG_LEVEL: 'warn',
    // The limiter still runs on every command; its budgets are raised so that it refuses none of
    // the benchmark's load (each simulated sender stays within the default 50/s anyway).
    RATE_LIMIT_BURST: '1000000',
    RATE_LIMIT_PER_SECOND: '1000000',
  };
}

/** When the Tandem build being run was made: the newest file under apps/api/dist (ISO time). */
export function tandemBuildTime(): string {
  let newest = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) visit(file);
      else if (entry.name.endsWith('.js')) newest = Math.max(newest, statSync(file).mtimeMs);
    }
  };
  try {
    visit(path.dirname(tandemMain));
  } catch {
    return 'unknown';
  }
  return new Date(newest).toISOString();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a fresh server process on core 0, with the side-channel preload, and waits until it serves. */
export async function startServer(kind: ServerKind, options: StartOptions = {}): Promise<ServerHandle> {
  const port = await freePort();
  const dir =
    options.database?.kind === 'sqlite'
      ? path.dirname(options.database.file)
      : mkdtempSync(path.join(tmpdir(), `tandem-bench-${kind}-`));
  const preload = pathToFileURL(path.join(here, 'preload.js')).href;
  const nodeArgs = ['--expose-gc', '--import', preload, ...(options.wrapper?.nodeArgs ?? [])];
  if (options.profileDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.profileDir}`);
  let script: string[];
  let env: NodeJS.ProcessEnv = { ...process.env };
  let database: BenchDatabase | undefined;
  if (kind === 'tandem') {
    if (!existsSync(tandemMain)) throw new Error(`${tandemMain} is missing: run "npm run build" first`);
    database = options.database ?? (await freshDatabase(dir, options.postgresUrl));
    script = [tandemMain];
    env = { ...env, ...tandemEnvironment(port, database), ...options.wrapper?.env };
  } else {
    if (!existsSync(baselineScript)) throw new Error(`${baselineScript} is missing`);
    script = [baselineScript, '--port', String(port)];
  }
  const [command, args] = pinned(0, [...(options.wrapper?.argv ?? []), process.execPath, ...nodeArgs, ...script]);
  // The baseline resolves socket.io from the working directory: the project's root.
  const child = spawn(command, args, { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  let stopping = false;
  let exitReason = '';
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      exitReason = `exit ${signal ?? code}${stopping ? '' : ' (not asked to stop)'}; last output: ${output.trim().slice(-1500) || '(none)'}`;
      resolve();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const handle = makeHandle(
    kind,
    child,
    url,
    exit,
    () => (exited ? exitReason : undefined),
    () => (stopping = true),
    dir,
    database,
    options,
  );
  try {
    await waitUntilServing(
      kind,
      url,
      child,
      () => output,
      () => exited,
      options.wrapper?.startLimitMs ?? 60_000,
    );
  } catch (error) {
    await handle.stop();
    await handle.cleanup();
    throw error;
  }
  return handle;
}

async function waitUntilServing(
  kind: ServerKind,
  url: string,
  child: ChildProcess,
  output: () => string,
  exited: () => boolean,
  limitMs: number,
): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    if (exited()) throw new Error(`${kind} exited during start:\n${output().slice(-3000)}`);
    if (kind === 'baseline') {
      if (/listening \d+/.test(output())) return;
    } else {
      try {
        const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (response.status === 200) return;
      } catch {
        // Not listening yet.
      }
    }
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${kind} did not start within ${limitMs / 1000} s:\n${output().slice(-3000)}`);
}

function makeHandle(
  kind: ServerKind,
  child: ChildProcess,
  url: string,
  exit: Promise<void>,
  exited: () => string | undefined,
  markStopping: () => void,
  dir: string,
  database: BenchDatabase | undefined,
  options: StartOptions,
): ServerHandle {
  let nextId = 1;
  const waiting = new Map<number, (stats: ServerStats) => void>();
  const profiling = new Map<number, (error?: string) => void>();
  /** A profile or heap-snapshot request, answered `{type: 'profile', id, error?}`. */
  const request = (message: Record<string, unknown>) =>
    new Promise<void>((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(
        () => reject(new Error(`${kind} did not answer the ${String(message.type)} request`)),
        120_000,
      );
      profiling.set(id, (error) => {
        clearTimeout(timer);
        if (error) reject(new Error(error));
        else resolve();
      });
      child.send({ ...message, id });
    });
  child.on('message', (message: ServerStats & { type: string; id: number; error?: string }) => {
    if (message?.type === 'profile') {
      profiling.get(message.id)?.(message.error);
      profiling.delete(message.id);
      return;
    }
    if (message?.type !== 'stats') return;
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  });
  return {
    kind,
    url,
    pid: child.pid ?? -1,
    database,
    stats: ({ gc = false, resetDelay = false } = {}) =>
      new Promise<ServerStats>((resolve, reject) => {
        const gone = exited();
        if (gone) {
          reject(new Error(`${kind} has exited: ${gone}`));
          return;
        }
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`${kind} did not answer the stats request within 20 s`));
        }, 20_000);
        waiting.set(id, (stats) => {
          clearTimeout(timer);
          resolve(stats);
        });
        child.send({ type: 'stats', id, gc, resetDelay });
      }),
    profile: (action, file) => request({ type: 'profile', action, file }),
    heapSnapshot: (file) => request({ type: 'heap', file }),
    stop: async () => {
      if (exited()) return;
      markStopping();
      if (options.profileDir) {
        // A normal exit, so that --cpu-prof writes its profile.
        child.send({ type: 'exit' });
      } else {
        child.kill('SIGTERM');
      }
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exit;
      clearTimeout(timer);
    },
    kill: async () => {
      if (exited()) return;
      markStopping();
      child.kill('SIGKILL');
      await exit;
    },
    cleanup: async () => {
      rmSync(dir, { recursive: true, force: true });
      if (database) await dropDatabase(database, options.postgresUrl);
    },
  };
}
