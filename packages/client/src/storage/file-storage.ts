import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Namespace } from '@tandem/contract';
import { sortedEntries, type DeletedEntry, type KeptState, type OutboxStorage, type StoredEntry } from './storage.js';

interface FileContents {
  users: Record<string, { entries: Record<string, StoredEntry>; lastSeen: KeptState['lastSeen'] }>;
}

/**
 * Keeps the outbox in one JSON file, for Node: a bot restarted after a crash sends what it had
 * queued, with the same `opId`s. Every write replaces the file whole (written aside, then renamed,
 * so a crash mid-write leaves the previous version).
 */
export class FileOutboxStorage implements OutboxStorage {
  private contents: Promise<FileContents> | null = null;
  private writes: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {}

  async load(userId: string): Promise<KeptState> {
    const kept = (await this.read()).users[userId];
    if (!kept) return { entries: [], lastSeen: {} };
    return structuredClone({ entries: sortedEntries(Object.values(kept.entries)), lastSeen: kept.lastSeen });
  }

  write(userId: string, put: readonly StoredEntry[], deleted: readonly DeletedEntry[]): Promise<void> {
    return this.change((contents) => {
      const kept = (contents.users[userId] ??= { entries: {}, lastSeen: {} });
      for (const stored of put) kept.entries[stored.entry.opId] = structuredClone(stored);
      for (const { opId } of deleted) delete kept.entries[opId];
    });
  }

  keepLastSeen(userId: string, namespace: Namespace, state: unknown): Promise<void> {
    return this.change((contents) => {
      const kept = (contents.users[userId] ??= { entries: {}, lastSeen: {} });
      if (state === null) delete kept.lastSeen[namespace];
      else kept.lastSeen[namespace] = structuredClone(state);
    });
  }

  clear(userId: string): Promise<void> {
    return this.change((contents) => {
      delete contents.users[userId];
    });
  }

  private read(): Promise<FileContents> {
    this.contents ??= readFile(this.file, 'utf8').then(
      (text) => JSON.parse(text) as FileContents,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return { users: {} };
        throw error;
      },
    );
    return this.contents;
  }

  private change(apply: (contents: FileContents) => void): Promise<void> {
    const next = this.writes.then(async () => {
      const contents = await this.read();
      apply(contents);
      await mkdir(path.dirname(this.file), { recursive: true });
      const aside = `${this.file}.${process.pid}.tmp`;
      await writeFile(aside, JSON.stringify(contents));
      await rename(aside, this.file);
    });
    // A failed write fails its caller; the next one still runs.
    this.writes = next.catch(() => undefined);
    return next;
  }
}
