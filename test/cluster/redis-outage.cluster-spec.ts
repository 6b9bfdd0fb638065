import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { ChatBroadcast, ChatCommand, type ChatCommandResults, type MessageCreated } from '@tandem/contract';
import { closeAllClients, commandOk, eventually, nextEvent } from '../support/clients.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { describeWithServices } from '../support/services.js';
import { chatOn } from '../support/server-pair.js';

const describeWhenServicesRun = await describeWithServices('the cluster suite');

describeWhenServicesRun('a node whose Redis goes away', () => {
  let redis: ChildProcess;
  let node: ServerProcess;
  let dir: string;
  const port = 16_000 + Math.floor(Math.random() * 2_000);

  function startRedis(): Promise<ChildProcess> {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  }

  beforeAll(async () => {
    redis = await startRedis();
    dir = mkdtempSync(path.join(tmpdir(), 'tandem-redis-down-'));
    node = await spawnServer(path.join(dir, 'tandem.db'), { REDIS_URL: `redis://127.0.0.1:${port}` });
  });
  afterAll(async () => {
    closeAllClients();
    node?.child.kill('SIGKILL');
    redis?.kill('SIGKILL');
    await node?.exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps acking and serving its own sockets, reports not ready, and recovers', async () => {
    const ann = await chatOn(node, 'ann');
    const bob = await chatOn(node, 'bob');
    const { room } = await commandOk<ChatCommandResults['room:create']>(ann.socket, ChatCommand.RoomCreate, {
      name: 'outage',
    });
    await commandOk(ann.socket, ChatCommand.RoomJoin, { roomId: room.id });
    await commandOk(bob.socket, ChatCommand.RoomJoin, { roomId: room.id });

    redis.kill('SIGKILL');
    await eventually(() => redis.exitCode !== null || redis.signalCode !== null, 'redis to stop');
    const toBob = nextEvent<MessageCreated>(bob.socket, ChatBroadcast.MessageCreated);
    const sent = await commandOk<ChatCommandResults['message:send']>(ann.socket, ChatCommand.MessageSend, {
      opId: randomUUID(),
      roomId: room.id,
      text: 'while Redis is down',
    });
    expect((await toBob).message).toEqual(sent.message);
    const notReady = await fetch(`${node.url}/health/ready`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toMatchObject({ database: 'ok', redis: 'unreachable' });

    redis = await startRedis();
    await eventuallyAsync(async () => (await fetch(`${node.url}/health/ready`)).status === 200, 'ready again', 15_000);
  });
});

async function eventuallyAsync(condition: () => Promise<boolean>, what: string, limitMs: number): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
