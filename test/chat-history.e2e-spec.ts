import { describe, expect, it } from '@jest/globals';
import { ChatCommand, type ChatCommandResults, type Message } from '@tandem/contract';
import { createRoom, join, send } from './support/chat.js';
import { chatClient, commandOk } from './support/clients.js';
import { serverForSuite } from './support/server.js';

describe('chat messages', () => {
  // A short presence grace, so that a closed tab leaves presence within the suite's waits.
  const server = serverForSuite({ PRESENCE_GRACE_MS: '100' });

  describe('history', () => {
    it('pages backwards by cursor without overlap or gap', async () => {
      const { socket: ann } = await chatClient(server.url, 'ann');
      const room = await createRoom(ann);
      await join(ann, room.id);
      for (let i = 1; i <= 120; i++) await send(ann, room.id, `message ${i}`);

      const pages: Message[][] = [];
      let before: number | undefined;
      for (;;) {
        const page = await commandOk<ChatCommandResults['message:history']>(ann, ChatCommand.MessageHistory, {
          roomId: room.id,
          ...(before === undefined ? {} : { before }),
        });
        pages.push(page.messages);
        if (page.nextCursor === null) break;
        before = page.nextCursor;
      }
      expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
      const all = pages.reverse().flat();
      expect(all.map((message) => message.text)).toEqual(Array.from({ length: 120 }, (_, i) => `message ${i + 1}`));

      const small = await commandOk<ChatCommandResults['message:history']>(ann, ChatCommand.MessageHistory, {
        roomId: room.id,
        limit: 5,
        before: 3,
      });
      expect(small.messages.map((message) => message.seq)).toEqual([1, 2]);
      expect(small.nextCursor).toBeNull();
    });
  });
});
