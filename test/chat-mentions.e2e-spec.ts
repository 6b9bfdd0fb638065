import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { createRoom, join, send } from './support/chat.js';
import { chatClient, closeAllClients } from './support/clients.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { serverForSuite } from './support/server.js';

describe('mentions', () => {
  const server = serverForSuite();

  it('names members whatever the case, accents included, and never someone outside the room', async () => {
    const ann = await chatClient(server.url, 'ann');
    const elodie = await chatClient(server.url, 'Élodie Ü');
    const outsider = await chatClient(server.url, 'élodie ü');
    const room = await createRoom(ann.socket);
    await join(elodie.socket, room.id);
    await createRoom(outsider.socket);

    const sent = await send(ann.socket, room.id, 'hi @ÉLODIE ü, and @élodie ü again; @nobody');
    expect(sent.mentions).toEqual([elodie.session.user]);
    expect((await send(ann.socket, room.id, 'mail élodie@example.org')).mentions).toEqual([]);
  });
});

describe('mentions of users stored before names had a key', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'tandem-mentions-'));
  const file = path.join(dir, 'tandem.db');
  const servers: ServerProcess[] = [];

  afterAll(() => {
    closeAllClients();
    for (const running of servers) running.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('finds them once the server has started again', async () => {
    const first = await spawnServer(file);
    servers.push(first);
    const ann = await chatClient(first.url, 'ann');
    const bob = await chatClient(first.url, 'Bob');
    const room = await createRoom(ann.socket);
    await join(bob.socket, room.id);
    first.child.kill('SIGTERM');
    await first.exited;

    // As a database written before the key was: no user has one.
    const db = new Database(file);
    db.prepare('UPDATE User SET nameKey = NULL').run();
    db.close();

    const second = await spawnServer(file);
    servers.push(second);
    const annAgain = await chatClient(second.url, 'ann again');
    await join(annAgain.socket, room.id);
    expect((await send(annAgain.socket, room.id, 'ping @bob')).mentions).toEqual([bob.session.user]);
    const check = new Database(file, { readonly: true });
    expect(check.prepare('SELECT count(*) AS missing FROM User WHERE nameKey IS NULL').get()).toEqual({ missing: 0 });
    check.close();
  }, 60_000);
});
