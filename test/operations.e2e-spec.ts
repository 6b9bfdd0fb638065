import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ChatCommand, HttpRoute, Namespace, type ChatCommandResults } from '@tandem/contract';
import {
  chatClient,
  closeAllClients,
  command,
  commandOk,
  connect,
  eventually,
  signIn,
  socketFor,
} from './support/clients.js';
import { spawnServer, type ServerProcess } from './support/process.js';
import { startServer, type TestServer } from './support/server.js';

describe('operations', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_BURST: '5', RATE_LIMIT_PER_SECOND: '0.1' });
  });
  afterAll(async () => {
    closeAllClients();
    await server.close();
  });

  it('answers readiness with the state of each dependency', async () => {
    const response = await fetch(`${server.url}${HttpRoute.Ready}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', database: 'ok', redis: 'not configured' });
  });

  it('exposes Prometheus metrics of sockets, commands, acks, writes, broadcasts, limits and the event loop', async () => {
    const { socket } = await chatClient(server.url, 'ann');
    const { room } = await commandOk<ChatCommandResults['room:create']>(socket, ChatCommand.RoomCreate, {
      name: 'metrics',
    });
    await commandOk(socket, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(socket, ChatCommand.MessageSend, { opId: randomUUID(), roomId: room.id, text: 'counted' });
    for (let i = 0; i < 6; i++) await command(socket, ChatCommand.RoomList, {});

    const response = await fetch(`${server.url}${HttpRoute.Metrics}`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(/^tandem_sockets\{namespace="\/chat"\} 1$/m);
    expect(text).toMatch(/^tandem_commands_total\{command="message:send",outcome="ok"\} 1$/m);
    expect(text).toMatch(/^tandem_commands_total\{command="room:list",outcome="RATE_LIMITED"\} [1-9]/m);
    expect(text).toMatch(/^tandem_rate_limited_total\{command="room:list"\} [1-9]/m);
    expect(text).toMatch(/^tandem_ack_latency_seconds_count\{command="message:send"\} 1$/m);
    expect(text).toMatch(/^tandem_db_write_seconds_count [1-9]/m);
    expect(text).toMatch(/^tandem_broadcasts_total\{namespace="\/chat"\} 1$/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});

describe('logs', () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-logs-'));
    server = await spawnServer(path.join(dir, 'tandem.db'), { LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    closeAllClients();
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts with one info line each for the database, migrations, adapter and address; Nest's own at debug", async () => {
    const file = path.join(dir, 'startup.db');
    const infoLines = (output: string) =>
      output
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => JSON.parse(line) as { level: number; msg: string })
        .filter((record) => record.level === 30)
        .map((record) => record.msg);
    const adapter = 'adapter: in-process, this node only (set REDIS_URL to run several)';
    for (const migrations of [/^migrations: applied \d{14}_init, /, /^migrations: none pending/]) {
      const started = await spawnServer(file, { LOG_LEVEL: 'info' });
      started.child.kill('SIGTERM');
      await started.exited;
      expect(infoLines(started.output()).slice(0, 4)).toEqual([
        `database: SQLite ${file}`,
        expect.stringMatching(migrations),
        adapter,
        `listening on ${started.url}`,
      ]);
    }
    // At debug, Nest's route and handler mapping is there.
    expect(server.output()).toMatch(/"level":20,[^\n]*"msg":"Mapped \{\/health, GET\} route"/);
  }, 60_000);

  it('does not start when its migrations fail, and says why', async () => {
    const notAFolder = path.join(dir, 'plain-file');
    writeFileSync(notAFolder, '');
    await expect(spawnServer(path.join(notAFolder, 'tandem.db'))).rejects.toThrow(
      /exited with 1 before listening:[\s\S]*(ENOTDIR|EEXIST)/,
    );
  }, 30_000);

  it('writes one JSON object per line, with socket, user, command and duration for each command', async () => {
    const session = await signIn(server.url, 'logged');
    const socket = await connect(socketFor(server.url, Namespace.Chat, session.token));
    await commandOk(socket, ChatCommand.RoomList, {});
    await eventually(() => server.output().includes('"command":"room:list"'), 'the command log line');
    const lines = server
      .output()
      .split('\n')
      .filter((line) => line.trim());
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.every((record) => typeof record.level === 'number' && typeof record.time === 'number')).toBe(true);
    expect(records.find((record) => record.command === 'room:list')).toMatchObject({
      command: 'room:list',
      outcome: 'ok',
      socketId: socket.id,
      userId: session.user.id,
      durationMs: expect.any(Number),
    });
  });
});
