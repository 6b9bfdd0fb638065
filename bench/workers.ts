import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pinned } from './machine.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The kinds of load-generator process, one module each in `load/`. */
export type LoadKind = 'fanout' | 'persist' | 'scoreboard' | 'lists' | 'idle' | 'join-storm' | 'commands';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

/**
 * A load-generator process, separate from the server and pinned to core 1 when `taskset` exists,
 * driven by request/reply messages over its IPC channel.
 */
export class LoadWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private exited = false;
  private stderrTail = '';

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      const waiter = this.pending.get(reply.id);
      if (!waiter) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.error ?? 'load generator failed'));
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString()).slice(-4000);
    });
    child.stdout?.on('data', () => undefined);
    child.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error(`load generator exited (${code ?? signal}): ${this.stderrTail.trim().slice(-1500)}`));
      }
      this.pending.clear();
    });
  }

  static start(kind: LoadKind): LoadWorker {
    const script = path.join(here, 'load', 'worker.js');
    const [command, args] = pinned(1, [process.execPath, '--max-old-space-size=4096', script, kind]);
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    return new LoadWorker(child);
  }

  call<T>(command: string, args: unknown, timeoutMs: number): Promise<T> {
    if (this.exited)
      return Promise.reject(new Error(`load generator has exited: ${this.stderrTail.trim().slice(-1500)}`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`load generator: ${command} took more than ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, command, args });
    });
  }

  /** Asks the process to close its sockets and exit; kills it if it does not within the limit. */
  async stop(limitMs = 15_000): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      await this.call('close', {}, limitMs);
    } catch {
      // Killed below.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }
}
