import { randomUUID } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { ErrorCode, OpsBroadcast, OpsNamespace, type NodeStats } from '@tandem/contract';
import { createRoom, join, send } from './support/chat.js';
import { chatClient, connect, nextEvent, signIn, socketFor } from './support/clients.js';
import { useServer } from './support/server.js';

/** What a refused handshake carries. */
interface Refusal {
  data?: { code?: string };
}

async function refusalOf(url: string, token?: string): Promise<Refusal> {
  try {
    await connect(socketFor(url, OpsNamespace, token));
  } catch (error) {
    return error as Refusal;
  }
  throw new Error('the handshake was accepted');
}

describe('live operations view (/ops)', () => {
  describe('with OPERATORS unset', () => {
    const server = useServer();

    it('lets in the first account only, and pushes figures while another client chats', async () => {
      const first = await signIn(server().url, 'root');
      const later = await signIn(server().url, 'mallory');
      expect((await refusalOf(server().url, later.token)).data).toMatchObject({ code: ErrorCode.Forbidden });
      expect((await refusalOf(server().url)).data).toMatchObject({ code: ErrorCode.Unauthorized });

      const operator = await connect(socketFor(server().url, OpsNamespace, first.token));
      const { socket: chatter } = await chatClient(server().url, 'chatter');
      const room = await createRoom(chatter, 'busy room');
      await join(chatter, room.id);
      let sending = true;
      const sent = (async () => {
        while (sending) await send(chatter, room.id, `message ${randomUUID()}`);
      })();
      try {
        const stats = await nextEvent<NodeStats>(
          operator,
          OpsBroadcast.Stats,
          (figures) => (figures.commandsPerSecond.ok ?? 0) > 0 && figures.databaseWriteMs !== null,
        );
        expect(stats.node).toMatch(/#\d+$/);
        expect(stats.sockets['/chat']).toBeGreaterThanOrEqual(1);
        expect(stats.sockets[OpsNamespace]).toBe(1);
        expect(stats.biggestRooms).toContainEqual({ roomId: room.id, name: 'busy room', sockets: 1 });
        expect(stats.ackLatencyMs).toEqual({ p50: expect.any(Number), p99: expect.any(Number) });
        expect(stats.writeBatchSize?.mean).toBeGreaterThanOrEqual(1);
        expect(stats.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0);
        expect(stats.rateLimitedPerSecond).toBe(0);
      } finally {
        sending = false;
        await sent;
      }
    });
  });

  describe('with OPERATORS set', () => {
    const server = useServer(() => ({ OPERATORS: randomUUID() }));

    it('refuses everyone else, the first account too', async () => {
      const first = await signIn(server().url, 'root');
      expect((await refusalOf(server().url, first.token)).data).toMatchObject({ code: ErrorCode.Forbidden });
    });
  });
});
